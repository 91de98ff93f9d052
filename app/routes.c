/*
 * routes.c: joins the per-resource route tables into one, in order.
 *
 * Order matters: the router takes the first match, so tables listed first
 * win over later ones on the same path and method.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "idempotency.h"
#include "router.h"
#include "routes.h"

static const struct route_table *const routes_tables[] = {
	&health_table,
	&acme_table,
	&metrics_table,
	&openapi_table,
	&status_table,
	&tasks_table,
};

const struct db_stmt *const routes_stmts[] = {
	&health_stmt_ping,
	&auth_stmt_lookup,
	&auth_stmt_touch,
	&idempotency_stmt_get,
	&idempotency_stmt_expire,
	&idempotency_stmt_purge,
	&tasks_stmt_get,
	&tasks_stmt_list,
	&tasks_stmt_list_status,
	&tasks_stmt_insert,
	&tasks_stmt_insert_keyed,
	&tasks_stmt_update,
	&tasks_stmt_delete,
	&tasks_stmt_exists,
#ifdef BS_TEST_HOOKS
	&tasks_stmt_unscoped,
#endif
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

/* See routes.h. */
const char *
routes_pattern(const char *method, const char *uri)
{
	const struct route	*table;
	struct router_match	 m;
	char			 path[HTTP_PATH_MAX], allow[64];
	size_t			 n, len;

	if (method == NULL || method[0] == '\0' || uri == NULL || uri[0] != '/')
		return ("");
	len = strcspn(uri, "?");
	if (len >= sizeof(path))
		return ("");
	memcpy(path, uri, len);
	path[len] = '\0';
	table = routes_all(&n);
	if (router_match(table, n, method, path, &m, allow,
	    sizeof(allow)) != ROUTER_FOUND)
		return ("");
	return (m.route->pattern);
}
