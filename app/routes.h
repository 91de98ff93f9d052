/*
 * routes.h: the daemon's route table and the statements its handlers use.
 *
 * Each resource lives in app/routes/<name>.c and exports one table (and the
 * prepared statements it needs); routes.c joins them. Adding a resource is
 * one line in each list of routes.c.
 */
#ifndef APP_ROUTES_H
#define APP_ROUTES_H

#include <stddef.h>

#include "db.h"
#include "router.h"

struct route_table {
	const struct route	*routes;
	size_t			 n;
};

/* Every route of the API, joined at start-up; borrowed. */
const struct route	*routes_all(size_t *n);
/*
 * The pattern of the route a request would take ("/v1/tasks/{id}"),
 * from its method and URI (the query is ignored); "" if none. Borrowed
 * from the table. For the status page and the slow-request log, which
 * see a worker's request as it published it.
 */
const char		*routes_pattern(const char *method, const char *uri);
/* Every prepared statement, NULL-ended; borrowed. */
extern const struct db_stmt *const routes_stmts[];

/* app/routes/acme.c */
extern const struct route_table	 acme_table;

/* app/routes/health.c */
extern const struct route_table	 health_table;
extern const struct db_stmt	 health_stmt_ping;

/* app/routes/metrics.c */
extern const struct route_table	 metrics_table;

/* app/routes/openapi.c */
extern const struct route_table	 openapi_table;

/* app/routes/status.c */
extern const struct route_table	 status_table;

/* app/routes/tasks.c */
extern const struct route_table	 tasks_table;
extern const struct db_stmt	 tasks_stmt_get, tasks_stmt_list,
				 tasks_stmt_list_status, tasks_stmt_insert,
				 tasks_stmt_insert_keyed,
				 tasks_stmt_update, tasks_stmt_delete,
				 tasks_stmt_exists;
#ifdef BS_TEST_HOOKS
extern const struct db_stmt	 tasks_stmt_unscoped;	/* 036-rls.sh */
#endif

#endif
