/*
 * idempotency.c: replayable POSTs; see idempotency.h.
 *
 * The claim is an INSERT ... ON CONFLICT DO UPDATE that only overwrites an
 * expired record, run inside the transaction that does the work. Two
 * concurrent requests with one key therefore serialise on the row lock:
 * the second waits for the first to commit and then replays its answer,
 * or, if the first rolled back, claims the key itself. Expired records are
 * purged by each worker at most every IDEMPOTENCY_PURGE_MS.
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

const struct db_stmt idempotency_stmt_claim = {
	"idem_claim",
	"INSERT INTO idempotency_keys (tenant_id, key, request_sha256) "
	"VALUES ($1, $2, decode($3, 'hex')) "
	"ON CONFLICT (tenant_id, key) DO UPDATE SET "
	"request_sha256 = EXCLUDED.request_sha256, status_code = NULL, "
	"response_headers = NULL, response_body = NULL, created_at = now() "
	"WHERE idempotency_keys.created_at < now() - interval '24 hours' "
	"RETURNING 1",
	3, 0
};
const struct db_stmt idempotency_stmt_get = {
	"idem_get",
	"SELECT encode(request_sha256, 'hex'), status_code, response_headers, "
	"response_body FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
	2, 0
};
const struct db_stmt idempotency_stmt_store = {
	"idem_store",
	"UPDATE idempotency_keys SET status_code = $3, response_headers = $4, "
	"response_body = $5 WHERE tenant_id = $1 AND key = $2",
	5, 0
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

/* Ends the open transaction; a failed COMMIT is an outage. */
static enum st
idempotency_end(struct api *api, const char *sql)
{
	PGresult	*res = NULL;
	enum st		 st;

	st = db_exec(api->db, sql, 0, NULL, &res);
	PQclear(res);
	return (st);
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

/* See idempotency.h. */
enum st
idempotency_run(struct http_req *r, enum st (*handler)(struct http_req *))
{
	struct api	*api = r->app;
	struct auth	*who = r->auth;
	const char	*params[5];
	char		 key[IDEMPOTENCY_KEY_MAX + 1], hash[65], code[8];
	json_object	*hdrs = NULL;
	PGresult	*res = NULL;
	int		 open = 0;
	enum st		 st;

	switch (idempotency_key(r, key)) {
	case 0:
		return (handler(r));
	case -1:
		return (ST_BADREQ);
	}
	if ((st = idempotency_hash(r, hash)) != ST_OK)
		return (st);
	idempotency_purge(api);

	if ((st = idempotency_end(api, "BEGIN")) != ST_OK)
		goto out;
	open = 1;
	params[0] = who->tenant;
	params[1] = key;
	params[2] = hash;
	if ((st = db_run_tenant(api->db, who->tenant,
	    &idempotency_stmt_claim, params, &res)) != ST_OK)
		goto out;
	if (PQntuples(res) == 0) {
		/* Known key: replay, or refuse another request under it. */
		PQclear(res);
		res = NULL;
		st = db_run_tenant(api->db, who->tenant,
		    &idempotency_stmt_get, params, &res);
		if (st != ST_OK)
			goto out;
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 1))
			st = http_fail(r, ST_CONFLICT, "a request with this "
			    "Idempotency-Key is still being processed");
		else if (strcmp(PQgetvalue(res, 0, 0), hash) != 0)
			st = http_fail(r, ST_UNPROCESSABLE, "this "
			    "Idempotency-Key was used with a different request");
		else
			st = idempotency_replay(r, res);
		goto out;
	}
	PQclear(res);
	res = NULL;

	if ((st = handler(r)) != ST_OK)
		goto out;
	if ((hdrs = idempotency_headers(r)) == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	snprintf(code, sizeof(code), "%d", r->status);
	params[2] = code;
	params[3] = json_object_to_json_string_ext(hdrs, JSON_C_TO_STRING_PLAIN);
	params[4] = buf_str(&r->out);
	if ((st = db_run_tenant(api->db, who->tenant,
	    &idempotency_stmt_store, params, &res)) != ST_OK)
		goto out;
	open = 0;
	st = idempotency_end(api, "COMMIT");
out:
	if (open)
		(void)idempotency_end(api, "ROLLBACK");
	if (st != ST_OK && st_http(st) >= 500 && r->detail[0] == '\0')
		http_fail(r, st, "the database is unavailable");
	json_object_put(hdrs);
	PQclear(res);
	return (st);
}
