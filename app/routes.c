/*
 * routes.c: joins the per-resource route tables into one, in order.
 *
 * Order matters: the router takes the first match, so tables listed first
 * win over later ones on the same path and method.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "routes.h"

static const struct route_table *const routes_tables[] = {
	&health_table,
};

const struct db_stmt *const routes_stmts[] = {
	&health_stmt_ping,
	NULL
};

/* See routes.h. The joined table is built once and kept for the process. */
const struct route *
routes_all(size_t *n)
{
	static struct route	*all;
	static size_t		 nall;
	size_t			 i, total = 0;

	if (all == NULL) {
		for (i = 0; i < sizeof(routes_tables) / sizeof(routes_tables[0]); i++)
			total += routes_tables[i]->n;
		if ((all = calloc(total, sizeof(*all))) == NULL)
			abort();
		for (i = 0; i < sizeof(routes_tables) / sizeof(routes_tables[0]); i++) {
			memcpy(all + nall, routes_tables[i]->routes,
			    routes_tables[i]->n * sizeof(*all));
			nall += routes_tables[i]->n;
		}
	}
	*n = nall;
	return (all);
}
