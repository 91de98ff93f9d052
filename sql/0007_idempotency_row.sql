-- 0007_idempotency_row.sql: an Idempotency-Key record holds the write's
-- result row, so that a keyed POST is one statement and commits in the
-- round trip that sends it.
--
-- Until now the answer was recorded as sent (status_code,
-- response_headers, response_body), which the API builds in C from the
-- row the INSERT returned: the record could only be written in a second
-- round trip, and the transaction stayed open in between, holding the
-- per-tenant id counter's row lock (sql/0003) across a round trip to the
-- daemon: one tenant's keyed POSTs ran one at a time, at the speed of two
-- round trips. Now the INSERT of the task and that of its record are one
-- statement (data-modifying WITH, app/idempotency.h IDEMPOTENCY_RECORD)
-- in an implicit transaction: the lock lives only inside PostgreSQL. The
-- record stores the row the INSERT returned, as a JSON array of its
-- columns' text (null for NULL), and a replay builds the answer again
-- from it with the code that built the first, so it is the same, byte for
-- byte (status, headers, body); status_code and the others are NULL in
-- such a record.
--
-- Records written before stay as they are and replay as before (within
-- their 24 hours). An older daemon would take a new record for a request
-- still being handled (409): roll the daemon back together with this
-- migration's records, i.e. only after 24 hours or after deleting them.
ALTER TABLE idempotency_keys ADD COLUMN response_row jsonb
	CHECK (jsonb_typeof(response_row) = 'array');
COMMENT ON COLUMN idempotency_keys.response_row IS
	'the row the write returned, as a JSON array of its columns as text '
	'(null for NULL); the answer is built again from it';
