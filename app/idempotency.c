/*
 * idempotency.c: replayable POSTs; see idempotency.h.
 *
 * Two round trips (lib/db.h, db_run_steps): BEGIN, the tenant, the look-up
 * of the key and the write's statement go in one; the statement runs
 * whether or not the key is known, since waiting for the look-up first
 * would cost a round trip more. A known key's transaction is rolled back
 * (the write undone) and its record replayed. Else the answer is recorded
 * by a plain INSERT and committed in the second: the record of a key
 * exists only together with the work it answers. Two concurrent requests
 * with one key both miss the look-up; the second's INSERT waits on the
 * first's uncommitted record and then fails (unique violation: the one
 * ERROR line PostgreSQL logs for it), so it rolls back and replays the
 * first's answer, or, if the first rolled back, records its own. A record
 * older than 24 hours is deleted in the second round trip, just before
 * the INSERT; all expired records are purged by each worker at most every
 * IDEMPOTENCY_PURGE_MS.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "api.h"
#include "auth.h"
#include "http.h"
#include "idempotency.h"
#include "jsonutil.h"
#include "log.h"

#define IDEMPOTENCY_KEY_MAX	255
#define IDEMPOTENCY_PURGE_MS	(10 * 60 * 1000)

const struct db_stmt idempotency_stmt_get = {
	"idem_get",
	"SELECT encode(request_sha256, 'hex'), status_code, response_headers, "
	"response_body FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 "
	"AND created_at >= now() - interval '24 hours'",
	2, 0
};
const struct db_stmt idempotency_stmt_expire = {
	"idem_expire",
	"DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 "
	"AND created_at < now() - interval '24 hours'",
	2, 0
};
const struct db_stmt idempotency_stmt_record = {
	"idem_record",
	"INSERT INTO idempotency_keys (tenant_id, key, request_sha256, "
	"status_code, response_headers, response_body) "
	"VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6)",
	6, 0
};
const struct db_stmt idempotency_stmt_purge = {
	"idem_purge",
	"SELECT idempotency_purge()",	/* every tenant's: sql/0005 */
	0, 1
};

/*
 * Reads the Idempotency-Key of r into key: the IETF draft
 * (draft-ietf-httpapi-idempotency-key-header) makes it an RFC 8941 String,
 * "..." with \" and \\ as the only escapes and printable ASCII inside;
 * the key is what is between the quotes, 1 to IDEMPOTENCY_KEY_MAX
 * characters. Sent twice (two lines, or joined by a proxy into "a", "b"),
 * it is refused: which one would the client mean? Returns 1 with a key,
 * 0 without the header, -1 for a 400 (detail recorded on r).
 */
static int
idempotency_key(struct http_req *r, char key[IDEMPOTENCY_KEY_MAX + 1])
{
	const char	*h = http_header(r, "Idempotency-Key"), *p;
	size_t		 n = 0;

	if (h == NULL)
		return (0);
	if (http_header_count(r, "Idempotency-Key") > 1) {
		http_fail(r, ST_BADREQ, "Idempotency-Key is sent more than once");
		return (-1);
	}
	for (p = h; *p == ' '; p++)
		;
	if (*p++ != '"')
		goto bad;
	for (; *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		else if (*p < 0x20 || *p > 0x7e || *p == '\\')
			goto bad;
		if (n == IDEMPOTENCY_KEY_MAX) {
			http_fail(r, ST_BADREQ, "Idempotency-Key must be at most "
			    "%d characters", IDEMPOTENCY_KEY_MAX);
			return (-1);
		}
		key[n++] = *p;
	}
	key[n] = '\0';
	for (p++; *p == ' '; p++)
		;
	if (*p != '\0' || n == 0)
		goto bad;
	return (1);
bad:
	http_fail(r, ST_BADREQ, "Idempotency-Key must be one quoted string of "
	    "1 to %d printable ASCII characters (RFC 8941), e.g. "
	    "Idempotency-Key: \"order-42\"", IDEMPOTENCY_KEY_MAX);
	return (-1);
}

/* Hex SHA-256 of method, path and body: what "the same request" means. */
static enum st
idempotency_hash(struct http_req *r, char hex[65])
{
	EVP_MD_CTX	*ctx;
	unsigned char	 md[32];
	unsigned int	 len = 0, i;
	int		 ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (ST_NOMEM);
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, r->method, strlen(r->method) + 1) == 1 &&
	    EVP_DigestUpdate(ctx, r->path, strlen(r->path) + 1) == 1 &&
	    EVP_DigestUpdate(ctx, buf_str(&r->body), r->body.len) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (ST_INTERNAL);
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return (ST_OK);
}

/* The response headers of r as a JSON object; caller json_object_put()s. */
static json_object *
idempotency_headers(const struct http_req *r)
{
	json_object	*o;
	const char	*p = buf_str(&r->headers), *colon, *eol;
	char		 name[64];

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	while ((eol = strstr(p, "\r\n")) != NULL) {
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon != NULL && colon + 2 <= eol) {
			snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
			json_object_object_add(o, name,
			    json_object_new_string_len(colon + 2,
			    (int)(eol - colon - 2)));
		}
		p = eol + 2;
	}
	return (o);
}

/* Sets r's answer from a recorded one (row 0 of res). */
static enum st
idempotency_replay(struct http_req *r, PGresult *res)
{
	json_object	*h = NULL;
	const char	*text = PQgetvalue(res, 0, 2);
	char		 err[128];

	buf_reset(&r->headers);
	if (!PQgetisnull(res, 0, 2)) {
		if (jsonutil_parse(text, strlen(text), 2, &h, err,
		    sizeof(err)) != ST_OK)
			return (http_fail(r, ST_INTERNAL, "recorded headers: %s",
			    err));
		json_object_object_foreach(h, name, val)
			http_set_header(r, name, "%s",
			    json_object_get_string(val));
		json_object_put(h);
	}
	http_set_header(r, "Idempotent-Replayed", "true");
	return (http_reply(r, atoi(PQgetvalue(res, 0, 1)), "application/json",
	    PQgetvalue(res, 0, 3), (size_t)PQgetlength(res, 0, 3)));
}

/*
 * Ends the transaction a failed batch left open (or in error), if the
 * connection still has one.
 */
static void
idempotency_rollback(struct api *api)
{
	PGconn		*c = db_conn(api->db);
	PGresult	*res = NULL;

	if (c == NULL || PQtransactionStatus(c) == PQTRANS_IDLE)
		return;
	(void)db_exec(api->db, "ROLLBACK", 0, NULL, &res);
	PQclear(res);
}

/* Purges expired keys, at most every IDEMPOTENCY_PURGE_MS per worker. */
static void
idempotency_purge(struct api *api)
{
	static long long	 last_ms;
	long long		 now = http_now_us() / 1000;
	PGresult		*res = NULL;

	if (last_ms != 0 && now - last_ms < IDEMPOTENCY_PURGE_MS)
		return;
	last_ms = now;
	if (db_run(api->db, &idempotency_stmt_purge, NULL, &res) != ST_OK)
		log_warnx("idempotency: purge failed: %s", db_error(api->db));
	PQclear(res);
}

/*
 * A known key (res: its record, the look-up's row, or none if it went
 * meanwhile): its answer replayed, or a refusal.
 */
static enum st
idempotency_known(struct http_req *r, PGresult *res, const char *hash)
{
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 1))
		return (http_fail(r, ST_CONFLICT, "a request with this "
		    "Idempotency-Key is still being processed"));
	if (strcmp(PQgetvalue(res, 0, 0), hash) != 0)
		return (http_fail(r, ST_UNPROCESSABLE, "this "
		    "Idempotency-Key was used with a different request"));
	return (idempotency_replay(r, res));
}

/*
 * Another request recorded the key after the look-up: rolls back (the
 * write undone) and answers from its record, in one round trip.
 */
static enum st
idempotency_raced(struct http_req *r, const char *const *params,
    const char *hash)
{
	struct api	*api = r->app;
	struct auth	*who = r->auth;
	struct db_step	 s[3] = {
		{ .sql = "ROLLBACK" },
		{ .tenant = who->tenant },
		{ .stmt = &idempotency_stmt_get, .params = params }
	};
	enum st		 st;

	if ((st = db_run_steps(api->db, s, 3)) != ST_OK)
		return (st);
	PQclear(s[0].res);
	PQclear(s[1].res);
	st = idempotency_known(r, s[2].res, hash);
	PQclear(s[2].res);
	return (st);
}

/*
 * Records r's answer under the key and commits, in one round trip (an
 * expired record of the key deleted first). ST_CONFLICT: another request
 * recorded the key meanwhile.
 */
static enum st
idempotency_record(struct http_req *r, const char **params)
{
	struct api	*api = r->app;
	json_object	*hdrs;
	char		 code[8];
	struct db_step	 s[3] = {
		{ .stmt = &idempotency_stmt_expire, .params = params },
		{ .stmt = &idempotency_stmt_record, .params = params },
		{ .sql = "COMMIT" }
	};
	enum st		 st;
	int		 i;

	if ((hdrs = idempotency_headers(r)) == NULL)
		return (ST_NOMEM);
	snprintf(code, sizeof(code), "%d", r->status);
	params[3] = code;
	params[4] = json_object_to_json_string_ext(hdrs, JSON_C_TO_STRING_PLAIN);
	params[5] = buf_str(&r->out);
	if ((st = db_run_steps(api->db, s, 3)) == ST_OK)
		for (i = 0; i < 3; i++)
			PQclear(s[i].res);
	json_object_put(hdrs);
	return (st);
}

/*
 * See idempotency.h. With a key, two round trips: BEGIN, the tenant, the
 * look-up and the write's statement in one, then the record of the answer
 * and COMMIT, or, for a known key, ROLLBACK.
 */
enum st
idempotency_run(struct http_req *r, const struct idempotency_write *w)
{
	struct api		*api = r->app;
	struct auth		*who = r->auth;
	const struct db_stmt	*stmt = NULL;
	const char		*params[6], *wparams[IDEMPOTENCY_PARAMS] = { 0 };
	char			 key[IDEMPOTENCY_KEY_MAX + 1], hash[65];
	json_object		*keep = NULL;
	PGresult		*res = NULL;
	struct db_step		 s[4] = {
		{ .sql = "BEGIN" },
		{ .tenant = who->tenant },
		{ .stmt = &idempotency_stmt_get, .params = params },
		{ .params = wparams }
	};
	int			 has;
	enum st			 st;

	if ((has = idempotency_key(r, key)) == -1)
		return (ST_BADREQ);
	if ((st = w->prepare(r, &stmt, wparams, &keep)) != ST_OK)
		goto out;
	if (!has) {
		st = db_run_tenant(api->db, who->tenant, stmt, wparams, &res);
		st = w->answer(r, st, res);
		goto out;
	}
	if ((st = idempotency_hash(r, hash)) != ST_OK)
		goto out;
	idempotency_purge(api);

	params[0] = who->tenant;
	params[1] = key;
	params[2] = hash;
	s[3].stmt = stmt;
	if ((st = db_run_steps(api->db, s, 4)) != ST_OK) {
		idempotency_rollback(api);
		st = w->answer(r, st, NULL);
		goto out;
	}
	PQclear(s[0].res);
	PQclear(s[1].res);
	res = s[3].res;
	if (PQntuples(s[2].res) > 0) {
		/* Known key: replay, or refuse another request under it. */
		idempotency_rollback(api);
		st = idempotency_known(r, s[2].res, hash);
		PQclear(s[2].res);
		goto out;
	}
	PQclear(s[2].res);
	if ((st = w->answer(r, ST_OK, res)) == ST_OK &&
	    (st = idempotency_record(r, params)) == ST_CONFLICT) {
		buf_reset(&r->headers);		/* the answer not sent */
		st = idempotency_raced(r, params, hash);
	}
	if (st != ST_OK)
		idempotency_rollback(api);
out:
	if (st != ST_OK && st_http(st) >= 500 && r->detail[0] == '\0')
		http_fail(r, st, "the database is unavailable");
	json_object_put(keep);
	PQclear(res);
	return (st);
}
