/*
 * idempotency.h: Idempotency-Key for unsafe requests (POST).
 *
 * The first request with a key runs its handler inside a transaction that
 * also records the key, a hash of the request and the answer; a retry with
 * the same key and the same request gets the recorded answer again (with
 * "Idempotent-Replayed: true"), and the same key with another request is
 * refused with 422. Keys are kept 24 hours. A handler that fails records
 * nothing, so the client may retry with the same key.
 */
#ifndef APP_IDEMPOTENCY_H
#define APP_IDEMPOTENCY_H

#include "db.h"
#include "st.h"

struct http_req;

/* Runs handler for r under r's Idempotency-Key, or plainly without one. */
enum st	 idempotency_run(struct http_req *, enum st (*)(struct http_req *));

extern const struct db_stmt idempotency_stmt_claim;
extern const struct db_stmt idempotency_stmt_get;
extern const struct db_stmt idempotency_stmt_store;
extern const struct db_stmt idempotency_stmt_purge;

#endif
