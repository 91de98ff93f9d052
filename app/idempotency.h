/*
 * idempotency.h: Idempotency-Key for unsafe requests (POST).
 *
 * The first request with a key runs its write in one statement that also
 * records the key, a hash of the request and the write's result; a retry with
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
#define IDEMPOTENCY_COLS	32	/* columns of its result */

/*
 * The SQL of a keyed write (struct idempotency_write's keyed), built
 * around the write itself, one statement that runs in one implicit
 * transaction: "WITH w (names) AS (INSERT ... SELECT ... WHERE "
 * IDEMPOTENCY_UNKNOWN(tenant, key) " RETURNING ...) "
 * IDEMPOTENCY_RECORD("w", tenant, key, hash, row). The condition makes
 * the write do nothing for a key already recorded (so a replay takes no
 * lock the write would, such as the counter of sql/0003); the record
 * stores the returned row with the key and the request's hash, and the
 * statement returns the write's rows. tenant, key and hash name
 * parameters ("$5"); row is the returned row as a JSON array of its
 * columns as PostgreSQL's text output gives them, nulls as null
 * (response_row, sql/0007): "jsonb_build_array(w.id::text, w.title, ...)".
 * Spelt out, not row_to_json(w) taken apart: that cost 80 us per POST in
 * PostgreSQL, twice the record's INSERT, and writes booleans and times
 * otherwise than their text output.
 */
#define IDEMPOTENCY_UNKNOWN(tenant, key)				\
	"NOT EXISTS (SELECT FROM idempotency_keys WHERE tenant_id = "	\
	tenant " AND key = " key ")"
#define IDEMPOTENCY_RECORD(w, tenant, key, hash, row)			\
	", idempotency_record AS (INSERT INTO idempotency_keys "	\
	"(tenant_id, key, request_sha256, response_row) SELECT " tenant	\
	", " key ", decode(" hash ", 'hex'), " row " FROM " w ") "	\
	"SELECT * FROM " w

/*
 * A write of one statement that can be made idempotent. stmt is the
 * write alone (no Idempotency-Key); keyed, the same write with its
 * record (IDEMPOTENCY_RECORD), taking stmt's parameters then the key and
 * the request's hash in hex, and returning stmt's columns, or no row
 * when the key is known. prepare() checks r and sets the parameters of
 * stmt (into params, at most IDEMPOTENCY_PARAMS - 2; *keep, when it sets
 * one, owns what they point to and is json_object_put() after the
 * answer); answer() turns the outcome into r's answer: st ST_OK with the
 * statement's result, or the failure (res NULL) to explain. A replay
 * calls answer() again with the recorded row, so it must depend on
 * nothing but that row: then the replay is byte for byte the first
 * answer (its headers and body). A recorded row with another number of
 * columns than cols (a later version's write returning more) is refused
 * (500), not handed to answer(): change the columns with a migration of
 * the records, or let them expire.
 */
struct idempotency_write {
	const struct db_stmt	*stmt;
	const struct db_stmt	*keyed;
	int			 cols;	/* columns they return */
	enum st	(*prepare)(struct http_req *, const char **params,
		    json_object **keep);
	enum st	(*answer)(struct http_req *, enum st, PGresult *);
};

/* Runs w for r under r's Idempotency-Key, or plainly without one. */
enum st	 idempotency_run(struct http_req *, const struct idempotency_write *);

extern const struct db_stmt idempotency_stmt_get;
extern const struct db_stmt idempotency_stmt_expire;
extern const struct db_stmt idempotency_stmt_purge;

#endif
