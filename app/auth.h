/*
 * auth.h: who is calling. Checks the bearer API key of a request against
 * the route's scope and records the caller in r->auth.
 */
#ifndef APP_AUTH_H
#define APP_AUTH_H

#include "db.h"
#include "st.h"

#define AUTH_SCOPE_READ		0x1
#define AUTH_SCOPE_WRITE	0x2
#define AUTH_CACHE_TTL_MS	5000	/* a revoked key works at most this long */

struct http_req;
struct api;

struct auth {
	long long	 key_id;
	long long	 tenant_id;
	char		 tenant[24];	/* tenant_id as text, for SQL parameters */
	unsigned int	 scopes;	/* AUTH_SCOPE_* */
};

/*
 * Authenticates r for scope ("read" or "write"): ST_OK with r->auth set
 * (borrowed from a per-request slot), ST_UNAUTH for a missing, malformed,
 * unknown or revoked key, ST_FORBIDDEN for a key without the scope, or
 * ST_UNAVAILABLE when the database is down and the key is not cached.
 */
enum st	 auth_request(struct api *, struct http_req *, const char *scope);

extern const struct db_stmt auth_stmt_lookup;
extern const struct db_stmt auth_stmt_touch;

#endif
