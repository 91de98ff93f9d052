/*
 * auth.c: bearer API keys, checked on every request that needs a scope.
 *
 * A key is looked up by its prefix and kept in a small per-worker cache for
 * AUTH_CACHE_TTL_MS, so a steady client costs PostgreSQL one lookup per
 * worker every few seconds rather than one per request; the price is that a
 * revoked key keeps working for at most that long (the tests check the
 * bound). A failed lookup is not cached, so a key created a moment ago works
 * at once. The secret is always verified against the stored SHA-256 in
 * constant time, cached or not.
 *
 * last_used_at is written at most once a minute per key and worker, and
 * the UPDATE itself skips rows touched within the minute, so the write load
 * stays flat however busy a key is.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "api.h"
#include "apikey.h"
#include "auth.h"
#include "http.h"
#include "log.h"

#define AUTH_CACHE_SLOTS	64
#define AUTH_TOUCH_MS		60000

const struct db_stmt auth_stmt_lookup = {
	"auth_lookup",
	"SELECT id, tenant_id, encode(secret_sha256, 'hex'), "
	"'read' = ANY(scopes), 'write' = ANY(scopes), revoked_at IS NOT NULL "
	"FROM api_keys WHERE prefix = $1",
	1, 1
};

const struct db_stmt auth_stmt_touch = {
	"auth_touch",
	"UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND "
	"(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
	1, 1
};

struct auth_entry {
	char		 prefix[APIKEY_PREFIX_LEN + 1];	/* "" = empty slot */
	unsigned char	 hash[APIKEY_HASH_LEN];		/* stored SHA-256 */
	struct auth	 who;
	int		 revoked;
	long long	 fetched_ms;	/* when the row was read */
	long long	 touched_ms;	/* when last_used_at was last written */
};

static struct auth_entry	 auth_cache[AUTH_CACHE_SLOTS];
static struct auth		 auth_current;	/* the request's caller */

/* Slot of a prefix: FNV-1a, modulo the cache size. */
static struct auth_entry *
auth_slot(const char *prefix)
{
	unsigned int	 h = 2166136261u;

	while (*prefix != '\0')
		h = (h ^ (unsigned char)*prefix++) * 16777619u;
	return (&auth_cache[h % AUTH_CACHE_SLOTS]);
}

/* Decodes 64 hex digits into 32 bytes; -1 if malformed. */
static int
auth_unhex(const char *hex, unsigned char out[APIKEY_HASH_LEN])
{
	unsigned int	 b;
	size_t		 i;

	if (strlen(hex) != APIKEY_HASH_LEN * 2)
		return (-1);
	for (i = 0; i < APIKEY_HASH_LEN; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return (-1);
		out[i] = (unsigned char)b;
	}
	return (0);
}

/* Reads the key's row into e; ST_UNAUTH if there is none. */
static enum st
auth_fetch(struct api *api, const char *prefix, struct auth_entry *e)
{
	const char	*params[1] = { prefix };
	PGresult	*res = NULL;
	enum st		 st;

	st = db_run(api->db, &auth_stmt_lookup, params, &res);
	if (st != ST_OK)
		goto out;
	if (PQntuples(res) != 1) {
		st = ST_UNAUTH;
		goto out;
	}
	memset(e, 0, sizeof(*e));
	e->who.key_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	e->who.tenant_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(e->who.tenant, sizeof(e->who.tenant), "%lld",
	    e->who.tenant_id);
	if (auth_unhex(PQgetvalue(res, 0, 2), e->hash) != 0) {
		st = ST_INTERNAL;
		goto out;
	}
	if (PQgetvalue(res, 0, 3)[0] == 't')
		e->who.scopes |= AUTH_SCOPE_READ;
	if (PQgetvalue(res, 0, 4)[0] == 't')
		e->who.scopes |= AUTH_SCOPE_WRITE | AUTH_SCOPE_READ;
	e->revoked = PQgetvalue(res, 0, 5)[0] == 't';
	snprintf(e->prefix, sizeof(e->prefix), "%s", prefix);
	e->fetched_ms = http_now_us() / 1000;
	st = ST_OK;
out:
	PQclear(res);
	return (st);
}

/* Records the key's use, at most once a minute. Failures only log. */
static void
auth_touch(struct api *api, struct auth_entry *e, long long now_ms)
{
	char		 id[24];
	const char	*params[1] = { id };
	PGresult	*res = NULL;

	if (e->touched_ms != 0 && now_ms - e->touched_ms < AUTH_TOUCH_MS)
		return;
	e->touched_ms = now_ms;
	snprintf(id, sizeof(id), "%lld", e->who.key_id);
	if (db_run(api->db, &auth_stmt_touch, params, &res) != ST_OK)
		log_warnx("auth: recording the use of key %lld failed: %s",
		    e->who.key_id, db_error(api->db));
	PQclear(res);
}

/* See auth.h. */
enum st
auth_request(struct api *api, struct http_req *r, const char *scope)
{
	struct apikey		 key;
	struct auth_entry	*e, fresh;
	const char		*h = http_header(r, "Authorization");
	long long		 now_ms = http_now_us() / 1000;
	unsigned int		 need;
	enum st			 st;

	need = strcmp(scope, "write") == 0 ? AUTH_SCOPE_WRITE : AUTH_SCOPE_READ;
	if (h == NULL)
		return (http_fail(r, ST_UNAUTH, "an API key is required "
		    "(Authorization: Bearer <key>)"));
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return (http_fail(r, ST_UNAUTH, "the Authorization header "
		    "must use the Bearer scheme"));
	for (h += 7; *h == ' '; h++)
		;
	if (apikey_parse(h, &key) != ST_OK)
		return (http_fail(r, ST_UNAUTH, "the API key is malformed"));

	e = auth_slot(key.prefix);
	if (strcmp(e->prefix, key.prefix) != 0 ||
	    now_ms - e->fetched_ms >= AUTH_CACHE_TTL_MS) {
		st = auth_fetch(api, key.prefix, &fresh);
		if (st == ST_UNAUTH) {
			apikey_clear(&key);
			return (http_fail(r, ST_UNAUTH, "the API key is not "
			    "valid"));
		}
		if (st != ST_OK) {
			apikey_clear(&key);
			return (http_fail(r, st == ST_UNAVAILABLE ?
			    ST_UNAVAILABLE : st, "the database is unavailable"));
		}
		if (strcmp(e->prefix, key.prefix) == 0)
			fresh.touched_ms = e->touched_ms;
		*e = fresh;
	}
	if (!apikey_verify(&key, e->hash)) {
		apikey_clear(&key);
		return (http_fail(r, ST_UNAUTH, "the API key is not valid"));
	}
	apikey_clear(&key);
	if (e->revoked)
		return (http_fail(r, ST_UNAUTH, "the API key was revoked"));
	if ((e->who.scopes & need) == 0)
		return (http_fail(r, ST_FORBIDDEN, "the API key lacks the "
		    "'%s' scope", scope));
	auth_touch(api, e, now_ms);
	auth_current = e->who;
	r->auth = &auth_current;
	return (ST_OK);
}
