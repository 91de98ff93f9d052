/*
 * idempotency.c: replayable POSTs; see idempotency.h.
 *
 * One round trip (lib/db.h, db_run_steps), one implicit transaction,
 * committed by the pipeline's sync: the look-up of the key, the deletion
 * of an expired record of it, and the keyed write, which writes only if
 * the key is not recorded and records it with the row the write returns
 * in the same statement (IDEMPOTENCY_RECORD). So a lock the write takes
 * (the id counter's of sql/0003) is held only inside PostgreSQL, never
 * across a round trip to the daemon, and a replay (the look-up finds the
 * record; the write does nothing) takes none. The answer is built by the
 * write's answer() from the returned row; a replay builds it again from
 * the recorded row, so it is the same, byte for byte. Records of the
 * previous version (status, headers and body as sent) replay as stored.
 *
 * Two concurrent requests with one new key both miss the look-up and both
 * write; the second's record INSERT waits on the first's uncommitted one
 * and then fails (unique violation: the one ERROR line PostgreSQL logs for
 * it), which rolls back all it did (its task, its id: no gap), and it
 * answers from the first's record in a second round trip. If the first
 * committed before the second's statement began, the second writes
 * nothing and finds no record in its look-up (which ran before): the same
 * second round trip. A write that fails records nothing. All expired
 * records are purged by each worker at most every IDEMPOTENCY_PURGE_MS.
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
	"response_body, response_row FROM idempotency_keys "
	"WHERE tenant_id = $1 AND key = $2 "
	"AND created_at >= now() - interval '24 hours'",
	2, 1
};
/* before the keyed write: its IDEMPOTENCY_UNKNOWN sees no expired record */
const struct db_stmt idempotency_stmt_expire = {
	"idem_expire",
	"DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 "
	"AND created_at < now() - interval '24 hours'",
	2, 1
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

/*
 * Sets r's answer from a record of the previous version (row 0 of res:
 * the answer as it was sent).
 */
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
 * A recorded row (text: the JSON array of response_row, of want columns)
 * as the one-row result the write returned; caller PQclear()s. NULL
 * after recording why on r.
 */
static PGresult *
idempotency_row(struct http_req *r, const char *text, int want)
{
	PGresAttDesc	 cols[IDEMPOTENCY_COLS];
	json_object	*a = NULL, *v;
	PGresult	*res = NULL;
	char		 err[128];
	size_t		 i, n = 0;
	int		 ok;

	if (jsonutil_parse(text, strlen(text), 2, &a, err, sizeof(err)) !=
	    ST_OK) {
		(void)http_fail(r, ST_INTERNAL, "recorded row: %s", err);
		return (NULL);
	}
	if (json_object_is_type(a, json_type_array))
		n = json_object_array_length(a);
	ok = n >= 1 && n <= IDEMPOTENCY_COLS && n == (size_t)want &&
	    (res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK)) != NULL;
	if (ok) {
		memset(cols, 0, sizeof(cols));
		for (i = 0; i < n; i++) {
			cols[i].name = (char *)"";
			cols[i].typid = 25;		/* text */
			cols[i].typlen = -1;
			cols[i].atttypmod = -1;
		}
		ok = PQsetResultAttrs(res, (int)n, cols) == 1;
	}
	for (i = 0; ok && i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (v == NULL)
			ok = PQsetvalue(res, 0, (int)i, NULL, -1) == 1;
		else if (json_object_is_type(v, json_type_string))
			ok = PQsetvalue(res, 0, (int)i,
			    (char *)json_object_get_string(v),
			    json_object_get_string_len(v)) == 1;
		else
			ok = 0;
	}
	json_object_put(a);
	if (!ok) {
		PQclear(res);
		(void)http_fail(r, ST_INTERNAL, "recorded row: not an array "
		    "of %d strings or nulls", want);
		return (NULL);
	}
	return (res);
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
 * A known key (res: the look-up's result; no row if the record went
 * meanwhile): w's answer built again from the recorded row, a record of
 * the previous version replayed, or a refusal.
 */
static enum st
idempotency_known(struct http_req *r, const struct idempotency_write *w,
    PGresult *res, const char *hash)
{
	PGresult	*row;
	enum st		 st;

	if (PQntuples(res) != 1 || (PQgetisnull(res, 0, 1) &&
	    PQgetisnull(res, 0, 4)))
		return (http_fail(r, ST_CONFLICT, "a request with this "
		    "Idempotency-Key is still being processed"));
	if (strcmp(PQgetvalue(res, 0, 0), hash) != 0)
		return (http_fail(r, ST_UNPROCESSABLE, "this "
		    "Idempotency-Key was used with a different request"));
	if (PQgetisnull(res, 0, 4))
		return (idempotency_replay(r, res));
	if ((row = idempotency_row(r, PQgetvalue(res, 0, 4), w->cols)) == NULL)
		return (ST_INTERNAL);
	buf_reset(&r->headers);
	if ((st = w->answer(r, ST_OK, row)) == ST_OK)
		st = http_set_header(r, "Idempotent-Replayed", "true");
	PQclear(row);
	return (st);
}

/*
 * Another request recorded the key after the look-up: answers from its
 * record, in one round trip.
 */
static enum st
idempotency_raced(struct http_req *r, const struct idempotency_write *w,
    const char *const *params, const char *hash)
{
	struct api	*api = r->app;
	struct auth	*who = r->auth;
	PGresult	*res = NULL;
	enum st		 st;

	if ((st = db_run_tenant(api->db, who->tenant, &idempotency_stmt_get,
	    params, &res)) != ST_OK)
		return (st);
	st = idempotency_known(r, w, res, hash);
	PQclear(res);
	return (st);
}

/*
 * See idempotency.h. With a key, one round trip: the look-up, the
 * expired record's deletion and the keyed write, one implicit transaction
 * (and the session's tenant before them when it held another: lib/db.h);
 * a second only when another request recorded the key meanwhile. A lost
 * connection resends the three on a fresh one (each is idempotent: the
 * second run finds the key if the first committed).
 */
enum st
idempotency_run(struct http_req *r, const struct idempotency_write *w)
{
	struct api		*api = r->app;
	struct auth		*who = r->auth;
	const char		*params[2], *wparams[IDEMPOTENCY_PARAMS] = { 0 };
	char			 key[IDEMPOTENCY_KEY_MAX + 1], hash[65];
	json_object		*keep = NULL;
	PGresult		*res = NULL;
	struct db_step		 s[3] = {
		{ .stmt = &idempotency_stmt_get, .params = params },
		{ .stmt = &idempotency_stmt_expire, .params = params },
		{ .stmt = w->keyed, .params = wparams }
	};
	int			 has, i;
	enum st			 st;

	if ((has = idempotency_key(r, key)) == -1)
		return (ST_BADREQ);
	if ((st = w->prepare(r, wparams, &keep)) != ST_OK)
		goto out;
	if (!has) {
		st = db_run_tenant(api->db, who->tenant, w->stmt, wparams, &res);
		st = w->answer(r, st, res);
		goto out;
	}
	if ((st = idempotency_hash(r, hash)) != ST_OK)
		goto out;
	idempotency_purge(api);

	params[0] = who->tenant;
	params[1] = key;
	wparams[w->stmt->nparams] = key;
	wparams[w->stmt->nparams + 1] = hash;
	st = db_run_steps(api->db, who->tenant, s, 3);
	if (st == ST_CONFLICT)		/* recorded by another meanwhile */
		st = idempotency_raced(r, w, params, hash);
	else if (st != ST_OK)
		st = w->answer(r, st, NULL);
	else if (PQntuples(s[0].res) > 0)	/* known: the write did nothing */
		st = idempotency_known(r, w, s[0].res, hash);
	else if (PQntuples(s[2].res) == 0)	/* recorded after the look-up */
		st = idempotency_raced(r, w, params, hash);
	else
		st = w->answer(r, ST_OK, s[2].res);
	for (i = 0; i < 3; i++)
		PQclear(s[i].res);
out:
	if (st != ST_OK && st_http(st) >= 500 && r->detail[0] == '\0')
		http_fail(r, st, "the database is unavailable");
	json_object_put(keep);
	PQclear(res);
	return (st);
}
