/*
 * idempotency.h: Idempotency-Key for unsafe requests (POST).
 *
 * The first request with a key runs its write inside a transaction that
 * also records the key, a hash of the request and the answer; a retry with
 * the same key and the same request gets the recorded answer again (with
 * "Idempotent-Replayed: true"), and the same key with another request is
 * refused with 422. Keys are kept 24 hours. A write that fails records
 * nothing, so the client may retry with the same key.
 */
#ifndef APP_IDEMPOTENCY_H
#define APP_IDEMPOTENCY_H

#include "db.h"
#include "st.h"

#include <json-c/json.h>

struct http_req;

#define IDEMPOTENCY_PARAMS	8	/* parameters of a write's statement */

/*
 * A write of one statement, in two halves so that the statement can go to
 * the server with the key's claim in one round trip. prepare() checks r
 * and names the statement and its parameters (into params, at most
 * IDEMPOTENCY_PARAMS; *keep, when it sets one, owns what they point to
 * and is json_object_put() after the answer); answer() turns the outcome
 * into r's answer: st ST_OK with the statement's result, or the failure
 * (res NULL) to explain.
 */
struct idempotency_write {
	enum st	(*prepare)(struct http_req *, const struct db_stmt **,
		    const char **params, json_object **keep);
	enum st	(*answer)(struct http_req *, enum st, PGresult *);
};

/* Runs w for r under r's Idempotency-Key, or plainly without one. */
enum st	 idempotency_run(struct http_req *, const struct idempotency_write *);

extern const struct db_stmt idempotency_stmt_get;
extern const struct db_stmt idempotency_stmt_expire;
extern const struct db_stmt idempotency_stmt_record;
extern const struct db_stmt idempotency_stmt_purge;

#endif
