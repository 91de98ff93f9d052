/*
 * health.c: the routes an orchestrator and a load balancer poll.
 *
 * /healthz says the process answers (no database: a database outage must not
 * get healthy workers restarted); /readyz says it can serve real requests
 * (one prepared round trip to PostgreSQL, given HEALTH_READY_MS: a probe
 * wants its answer in a second or two, and a server that takes longer to
 * say "1" is not ready); /version names the build.
 */
#include "autoconf.h"

#include <libpq-fe.h>

#include "../api.h"
#include "../routes.h"
#include "clock.h"
#include "http.h"

#define HEALTH_READY_MS	1500	/* /readyz waits on the database this long */

const struct db_stmt health_stmt_ping = {
	"health_ping", "SELECT 1", 0, 1
};

/* GET /healthz: the process is alive. */
static enum st
health_live(struct http_req *r)
{
	static const char body[] = "{\"status\":\"ok\"}";

	return (http_reply(r, 200, "application/json", body, sizeof(body) - 1));
}

/* GET /readyz: the database answers. */
static enum st
health_ready(struct http_req *r)
{
	static const char	 body[] = "{\"status\":\"ready\"}";
	struct api		*api = r->app;
	PGresult		*res = NULL;
	enum st			 st;

	db_set_deadline(api->db, clock_ms() + HEALTH_READY_MS);
	st = db_run(api->db, &health_stmt_ping, NULL, &res);
	db_set_deadline(api->db, 0);
	if (st != ST_OK) {
		st = http_fail(r, ST_UNAVAILABLE, "the database is unavailable");
		goto out;
	}
	st = http_reply(r, 200, "application/json", body, sizeof(body) - 1);
out:
	PQclear(res);
	return (st);
}

/* GET /version: the name and version of this build. */
static enum st
health_version(struct http_req *r)
{
	static const char body[] =
	    "{\"name\":\"" PACKAGE_NAME "\",\"version\":\"" PACKAGE_VERSION "\"}";

	return (http_reply(r, 200, "application/json", body, sizeof(body) - 1));
}

static const struct route health_routes[] = {
	{ "GET", "/healthz",	health_live,	NULL, "healthz", "200" },
	{ "GET", "/readyz",	health_ready,	NULL, "readyz", "200 503" },
	{ "GET", "/version",	health_version,	NULL, "version", "200" },
};

const struct route_table health_table = {
	health_routes, sizeof(health_routes) / sizeof(health_routes[0])
};
