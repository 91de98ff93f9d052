/*
 * acme.c: GET /.well-known/acme-challenge/{token}, the HTTP-01 answer of
 * every front end when [acme] store = database (RFC 8555 8.3).
 *
 * The renewing run writes the challenge's key authorization in
 * acme_challenges (lib/cert_store.c); nginx on each front end sends this
 * path to the API when the file is not in its webroot (nginx/servers.conf:
 * the port-80 server), so the CA may reach any front end. Public (the CA
 * has no key), read-only: the API's role may SELECT that table and
 * nothing more (sql/0006). A token that is not base64url is not looked
 * up. Unprepared (db_exec_idempotent): a cold path, and a daemon started
 * before `bootstack migrate` made the table must not fail to prepare it;
 * resent once on a fresh connection after a PostgreSQL restart, since a
 * CA that gets a 503 fails the challenge (tests/e2e/105).
 */
#include "autoconf.h"

#include <string.h>

#include <libpq-fe.h>

#include "../api.h"
#include "../routes.h"
#include "base64url.h"
#include "http.h"

#define ACME_TOKEN_MAX	256	/* bytes of a token, with its NUL */

/* GET /.well-known/acme-challenge/{token}: the key authorization. */
static enum st
acme_challenge(struct http_req *r)
{
	struct api	*api = r->app;
	PGresult	*res = NULL;
	char		 token[ACME_TOKEN_MAX];
	const char	*params[1] = { token };
	enum st		 st;

	if (router_param(&r->match, "token", token, sizeof(token)) != 0 ||
	    !base64url_valid(token))
		return (http_fail(r, ST_NOTFOUND, "no such challenge"));
	/* Resent after a lost connection: a CA does not ask twice. */
	st = db_exec_idempotent(api->db, "SELECT key_authorization FROM "
	    "acme_challenges WHERE token = $1", 1, params, &res);
	if (st != ST_OK) {
		st = http_fail(r, st == ST_UNAVAILABLE ? ST_UNAVAILABLE :
		    ST_INTERNAL, "cannot read the challenge");
		goto out;
	}
	if (PQntuples(res) == 0) {
		st = http_fail(r, ST_NOTFOUND, "no such challenge");
		goto out;
	}
	st = http_reply(r, 200, "text/plain", PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
out:
	PQclear(res);
	return (st);
}

static const struct route acme_routes[] = {
	{ "GET", "/.well-known/acme-challenge/{token}", acme_challenge, NULL,
	  "acme_challenge", "200 404 503" },
};

const struct route_table acme_table = {
	acme_routes, sizeof(acme_routes) / sizeof(acme_routes[0])
};
