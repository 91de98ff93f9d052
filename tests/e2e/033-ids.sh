#!/usr/bin/env bash
# 033-ids: task ids are counted per tenant (sql/0003_tenant_ids.sql), so an
# id tells a tenant nothing about the others: tenant B creating 10 tasks
# between two of A's leaves A's ids consecutive. Rows that existed before
# the migration keep their ids (and URLs); each tenant's counter starts
# after its largest; two tenants may hold the same id, each sees its own;
# concurrent creates get distinct ids with no gap, and a rolled back
# insert gives its number back.
#
# Then the batch migration (sql/NNNN_tenant_ids_batch.sql) on that data,
# and many rows in one transaction, as the API's role: a 50,000-row INSERT
# gets exactly the next 50,000 ids and updates the counter row a bounded
# number of times (the proof that it is linear: counted, not timed);
# rolled back rows and a rolled back savepoint leave no gap; statements in
# one transaction count on; two sessions of one tenant take turns, two
# tenants do not wait on each other; a table that predates the migration
# and one without the statement trigger are numbered right. Prints the
# ids it saw and the counts.
. "$(dirname "$0")/lib.sh"

pg_start
API_LOG_LEVEL=info
BS_API_ROLE=bs_api
BS_SQLDIR=$T/sql
mkdir -p "$BS_SQLDIR"
cp "$BS_TOP_SRCDIR"/sql/000[12]_*.sql "$BS_SQLDIR"/
BATCH=$(cd "$BS_TOP_SRCDIR/sql" && ls ./*_tenant_ids_batch.sql | sed 's|^\./||')
[ -n "$BATCH" ] || fail "no *_tenant_ids_batch.sql in sql/"
write_config "$(api_config)"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate to 0002: $(cat "$T/migrate.log")"
# Before: one sequence for everyone, A's and B's tasks interleaved.
psql -qc "INSERT INTO tenants (name) VALUES ('a'), ('b')" \
    -c "INSERT INTO tasks (tenant_id, title) VALUES (1, 'a1'), (2, 'b1'), (1, 'a2'), (2, 'b2'), (2, 'b3')" \
    || fail "old rows"
# every migration before the batch one: the counter of 0003 as it was
for f in "$BS_TOP_SRCDIR"/sql/*.sql; do
	[[ "$(basename "$f")" < "$BATCH" ]] && cp "$f" "$BS_SQLDIR"/
done
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate: $(cat "$T/migrate.log")"
grep -q "applied 0003_tenant_ids.sql" "$T/migrate.log" || fail "0003 not applied: $(cat "$T/migrate.log")"
api_start
nginx_start
KA=$("$BS_BIN" key create --tenant a --scope write) || fail "key a"
KB=$("$BS_BIN" key create --tenant b --scope write) || fail "key b"
"$BS_BIN" tenant create c >/dev/null || fail "tenant c"
KC=$("$BS_BIN" key create --tenant c --scope write) || fail "key c"
H='Content-Type: application/json'

# create KEY TITLE: prints the new task's id (and checks its Location)
create() {
	local code
	code=$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $1" \
	    -H "$H" -d "{\"title\":\"$2\"}" "$URL/v1/tasks")
	[ "$code" = 201 ] || fail "create $2: $code $(cat "$T/body")"
	id=$(python3 -c "import json; print(json.load(open('$T/body'))['id'])")
	grep -qi "^Location: /v1/tasks/$id"$'\r'"$" "$T/h" || fail "Location of $id: $(grep -i location "$T/h")"
	echo "$id"
}
# title KEY ID: the title of that task as KEY sees it, or the status
title() {
	local code
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL/v1/tasks/$2")
	[ "$code" = 200 ] || { echo "$code"; return; }
	python3 -c "import json; print(json.load(open('$T/body'))['title'])"
}

# --- the rows from before keep their ids --------------------------------------
[ "$(title "$KA" 1) $(title "$KA" 3) $(title "$KB" 2) $(title "$KB" 4) $(title "$KB" 5)" = "a1 a2 b1 b2 b3" ] \
    || fail "old ids moved: $(title "$KA" 1) $(title "$KA" 3) $(title "$KB" 2)"
[ "$(title "$KA" 2)" = 404 ] || fail "A sees B's old task 2"

# --- B's activity between two of A's creations is invisible to A -------------
a1=$(create "$KA" first)
for i in $(seq 1 10); do create "$KB" "b-$i" >>"$T/b-ids"; done
a2=$(create "$KA" second)
[ "$a1" = 4 ] || fail "A's counter did not start after its largest old id (3): $a1"
[ "$((a2 - a1))" = 1 ] || fail "A's ids are not consecutive across B's 10 creates: $a1 then $a2"
[ "$(tr '\n' ' ' <"$T/b-ids")" = "6 7 8 9 10 11 12 13 14 15 " ] || fail "B's ids: $(tr '\n' ' ' <"$T/b-ids")"
c1=$(create "$KC" "c-first")
[ "$c1" = 1 ] || fail "a new tenant's first id is $c1, not 1"
# the same id in two tenants: each sees its own
[ "$(title "$KA" 1) $(title "$KC" 1)" = "a1 c-first" ] || fail "id 1 is shared: $(title "$KA" 1) / $(title "$KC" 1)"
[ "$(title "$KC" 4)" = 404 ] || fail "C sees A's task 4"

# --- concurrent creates: distinct, no gap --------------------------------------
seq 1 20 | xargs -P 6 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KA" \
    -H "$H" -d '{"title":"burst {}"}' "$URL/v1/tasks" >"$T/burst"
[ "$(grep -c '^201$' "$T/burst")" = 20 ] || fail "burst: $(sort "$T/burst" | uniq -c)"
[ "$(psql -Atc "SELECT count(DISTINCT id) || ' ' || min(id) || ' ' || max(id) FROM tasks WHERE tenant_id = 1 AND title LIKE 'burst %'")" \
    = "20 6 25" ] || fail "burst ids: $(psql -Atc "SELECT array_agg(id ORDER BY id) FROM tasks WHERE tenant_id = 1 AND title LIKE 'burst %'")"

# --- a failed insert gives its number back --------------------------------------
psql -qc "INSERT INTO tasks (tenant_id, title) VALUES (1, repeat('x', 201))" 2>/dev/null && fail "a 201-char title was stored"
a3=$(create "$KA" after-rollback)
[ "$a3" = 26 ] || fail "the rolled back insert burnt an id: $a3, not 26"
[ "$(psql -Atc "SELECT last_id FROM tenant_ids WHERE tenant_id = 1 AND resource = 'tasks'")" = 26 ] \
    || fail "tenant_ids.last_id"
# a tenant's deletion takes its counters
psql -qc "DELETE FROM tenants WHERE name = 'c'" || fail "delete tenant c"
[ "$(psql -Atc "SELECT count(*) FROM tenant_ids WHERE tenant_id = 3")" = 0 ] || fail "tenant c's counter left behind"
echo "ids: A $a1 $a2 (B made 10 between: $(head -1 "$T/b-ids")..$(tail -1 "$T/b-ids")), burst 6..25, after a rollback $a3"

# === the batch migration, on a database holding data ===========================
# A second resource made the way the guide said before it: the row trigger
# alone. Its counter and the tasks' must come through the migration as
# they are, and the migration must give it its statement trigger.
psql -qc "CREATE TABLE notes (id bigint NOT NULL, tenant_id bigint NOT NULL
	REFERENCES tenants (id) ON DELETE CASCADE, body text, PRIMARY KEY (tenant_id, id))" \
    -c "CREATE TRIGGER notes_next_id BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION tenant_next_id()" \
    -c "INSERT INTO notes (tenant_id, body) VALUES (1, 'n1')" -c "INSERT INTO notes (tenant_id, body) VALUES (1, 'n2')" \
    || fail "notes before the migration"
counters() { psql -Atc "SELECT string_agg(tenant_id || ':' || resource || ':' || last_id, ' '
    ORDER BY tenant_id, resource) FROM tenant_ids"; }
before=$(counters)
cp "$BS_TOP_SRCDIR"/sql/*.sql "$BS_SQLDIR"/
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate $BATCH: $(cat "$T/migrate.log")"
grep -q "applied $BATCH" "$T/migrate.log" || fail "$BATCH not applied: $(cat "$T/migrate.log")"
[ "$(counters)" = "$before" ] || fail "the migration moved counters: $before -> $(counters)"
[ "$(psql -Atc "SELECT string_agg(tgrelid::regclass::text, ' ' ORDER BY tgrelid::regclass::text) FROM pg_trigger
    WHERE tgfoid = 'tenant_ids_catch_up()'::regprocedure")" = "notes tasks" ] \
    || fail "statement triggers: $(psql -Atc "SELECT tgrelid::regclass, tgname FROM pg_trigger WHERE tgname LIKE '%catch_up'")"

# tsql TENANT: runs stdin as the API's role, bootstack.tenant_id = TENANT
tsql() {
	{ echo "SET bootstack.tenant_id = $1;"; cat; } |
	    psql -U bs_api -X -qAt -v ON_ERROR_STOP=1 -f - 2>"$T/tsql.err"
}
last() { psql -Atc "SELECT last_id FROM tenant_ids WHERE tenant_id = $1 AND resource = '${2:-tasks}'"; }
# ids TENANT TITLE-PATTERN: "count distinct min max" of those tasks
ids() { psql -Atc "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || coalesce(min(id), 0) || ' ' ||
    coalesce(max(id), 0) FROM tasks WHERE tenant_id = $1 AND title LIKE '$2'"; }
# span N FROM: what ids() says of N tasks numbered FROM+1..FROM+N
span() { echo "$1 $1 $(($2 + 1)) $(($2 + $1))"; }
UPD="SELECT pg_stat_get_xact_tuples_updated('tenant_ids'::regclass);"

# --- 50,000 rows in one statement: the next 50,000 ids, the counter moved twice --
L=$(last 1)
out=$(tsql 1 <<SQL
BEGIN;
$UPD
INSERT INTO tasks (tenant_id, title) SELECT 1, 'bulk ' || g FROM generate_series(1, 50000) g;
$UPD
COMMIT;
SQL
) || fail "50,000-row insert: $(cat "$T/tsql.err")"
bulk_upd=$(echo "$out" | awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }')
[ "$(ids 1 'bulk %')" = "$(span 50000 "$L")" ] || fail "50,000 rows after $L: $(ids 1 'bulk %')"
[ "$(last 1)" = $((L + 50000)) ] || fail "counter after 50,000 rows: $(last 1), not $((L + 50000))"
# one UPDATE for the first row, one at the end of the statement (row by
# row, as in 0003, it was 50,000)
[ "$bulk_upd" -le 2 ] || fail "the counter row was updated $bulk_upd times for one 50,000-row INSERT"
bulk_from=$((L + 1)) bulk_to=$((L + 50000))

# --- several statements in one transaction count on -----------------------------
L=$(last 1)
out=$(tsql 1 <<SQL
BEGIN;
$UPD
INSERT INTO tasks (tenant_id, title) VALUES (1, 'multi one');
INSERT INTO tasks (tenant_id, title) VALUES (1, 'multi a'), (1, 'multi b'), (1, 'multi c');
INSERT INTO tasks (tenant_id, title) SELECT 1, 'multi ' || g FROM generate_series(1, 500) g;
INSERT INTO tasks (tenant_id, title) VALUES (1, 'multi last') RETURNING id;
$UPD
COMMIT;
SQL
) || fail "four statements: $(cat "$T/tsql.err")"
multi_upd=$(echo "$out" | awk 'NR == 1 { a = $1 } NR == 3 { print $1 - a }')
[ "$(echo "$out" | sed -n 2p)" = $((L + 505)) ] || fail "the 4th statement's id: $(echo "$out" | sed -n 2p), not $((L + 505))"
[ "$(ids 1 'multi %')" = "$(span 505 "$L")" ] || fail "4 statements after $L: $(ids 1 'multi %')"
[ "$multi_upd" -le 5 ] || fail "4 statements updated the counter $multi_upd times"

# --- a rolled back multi-row insert, and savepoints, give their numbers back -----
L=$(last 1)
tsql 1 <<SQL || fail "rollback: $(cat "$T/tsql.err")"
BEGIN;
INSERT INTO tasks (tenant_id, title) SELECT 1, 'undone ' || g FROM generate_series(1, 1000) g;
ROLLBACK;
BEGIN;
SAVEPOINT first;
INSERT INTO tasks (tenant_id, title) SELECT 1, 'undone ' || g FROM generate_series(1, 10) g;
ROLLBACK TO first;
INSERT INTO tasks (tenant_id, title) SELECT 1, 'sp-a ' || g FROM generate_series(1, 100) g;
SAVEPOINT s;
INSERT INTO tasks (tenant_id, title) SELECT 1, 'undone ' || g FROM generate_series(1, 100) g;
INSERT INTO tasks (tenant_id, title) VALUES (1, 'undone one');
ROLLBACK TO s;
INSERT INTO tasks (tenant_id, title) SELECT 1, 'sp-b ' || g FROM generate_series(1, 100) g;
SAVEPOINT kept;
INSERT INTO tasks (tenant_id, title) SELECT 1, 'sp-c ' || g FROM generate_series(1, 50) g;
RELEASE kept;
COMMIT;
SQL
[ "$(ids 1 'undone %')" = "0 0 0 0" ] || fail "rolled back rows stored: $(ids 1 'undone %')"
[ "$(ids 1 'sp-a %') / $(ids 1 'sp-b %') / $(ids 1 'sp-c %')" = \
    "$(span 100 "$L") / $(span 100 $((L + 100))) / $(span 50 $((L + 200)))" ] \
    || fail "around savepoints after $L: $(ids 1 'sp-a %') / $(ids 1 'sp-b %') / $(ids 1 'sp-c %')"
a4=$(create "$KA" after-batches)
[ "$a4" = $((L + 251)) ] && [ "$(last 1)" = "$a4" ] || fail "a POST after the rollbacks got $a4, not $((L + 251))"

# --- two sessions of one tenant take turns; another tenant does not wait -------
# A holder keeps advisory lock 33 so that session one, its rows inserted,
# stays in its transaction (holding A's counter) until the holder goes.
L=$(last 1) LB=$(last 2)
psql -qAt -c "SELECT pg_advisory_lock(33)" -c "SELECT pg_sleep(3600)" >/dev/null 2>&1 &
holder=$!
# until SQL: waits (at most 30 s) until the query answers t
until_t() {
	local i
	for i in $(seq 1 300); do
		[ "$(psql -Atc "$1")" = t ] && return 0
		sleep 0.1
	done
	fail "never true: $1"
}
until_t "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND objid = 33 AND granted)"
tsql 1 >"$T/one.out" <<SQL &
BEGIN;
INSERT INTO tasks (tenant_id, title) SELECT 1, 'one ' || g FROM generate_series(1, 1000) g;
SELECT pg_advisory_lock_shared(33);
COMMIT;
SQL
one=$!
until_t "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event = 'advisory' AND usename = 'bs_api')"
tsql 1 >"$T/two.out" <<SQL &
INSERT INTO tasks (tenant_id, title) SELECT 1, 'two ' || g FROM generate_series(1, 1000) g;
SQL
two=$!
# session two waits for session one's transaction (the counter's row lock)
until_t "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event = 'transactionid'
    AND usename = 'bs_api' AND query LIKE '%''two ''%')"
# tenant B meanwhile: any lock wait would end it (lock_timeout)
tsql 2 <<SQL || fail "tenant B waited on tenant A: $(cat "$T/tsql.err")"
SET lock_timeout = '5s';
INSERT INTO tasks (tenant_id, title) SELECT 2, 'other ' || g FROM generate_series(1, 1000) g;
SQL
[ "$(ids 1 'one %') $(ids 1 'two %')" = "0 0 0 0 0 0 0 0" ] || fail "A's sessions did not wait: $(ids 1 'one %') $(ids 1 'two %')"
still=$(psql -Atc "SELECT count(*) FROM pg_stat_activity WHERE usename = 'bs_api' AND wait_event IN ('advisory', 'transactionid')")
[ "$still" = 2 ] || fail "A's two sessions are not both waiting after B's insert: $still"
psql -Atc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(3600)'" >/dev/null
wait "$holder"
wait "$one" || fail "session one failed"
wait "$two" || fail "session two failed"
[ "$(ids 1 'one %') / $(ids 1 'two %') / $(ids 2 'other %')" = \
    "$(span 1000 "$L") / $(span 1000 $((L + 1000))) / $(span 1000 "$LB")" ] \
    || fail "two sessions: $(ids 1 'one %') / $(ids 1 'two %') / B $(ids 2 'other %')"
[ "$(last 1) $(last 2)" = "$((L + 2000)) $((LB + 1000))" ] || fail "counters after two sessions: $(last 1) $(last 2)"

# --- rows of two tenants in one statement, sorted by tenant (the owner) ---------
L=$(last 1) LB=$(last 2)
out=$(psql -X -qAt -v ON_ERROR_STOP=1 -c "BEGIN" -c "$UPD" \
    -c "INSERT INTO tasks (tenant_id, title) SELECT t, 'mix ' || g
	FROM (VALUES (2), (1)) v (t), generate_series(1, 500) g ORDER BY t, g" -c "$UPD" -c "COMMIT") \
    || fail "two tenants in one statement"
mix_upd=$(echo "$out" | awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }')
[ "$(ids 1 'mix %') / $(ids 2 'mix %')" = "$(span 500 "$L") / $(span 500 "$LB")" ] \
    || fail "two tenants in one statement: $(ids 1 'mix %') / $(ids 2 'mix %')"
[ "$mix_upd" -le 4 ] || fail "two tenants' 1,000 rows updated the counters $mix_upd times"

# --- any table: notes (from before the migration), memos (no statement trigger) -
psql -qc "CREATE TABLE memos (id bigint NOT NULL, tenant_id bigint NOT NULL
	REFERENCES tenants (id) ON DELETE CASCADE, PRIMARY KEY (tenant_id, id))" \
    -c "CREATE TRIGGER memos_next_id BEFORE INSERT ON memos FOR EACH ROW EXECUTE FUNCTION tenant_next_id()" \
    -c "GRANT SELECT, INSERT ON notes, memos TO bs_api" || fail "memos"
L=$(last 1)
out=$(tsql 1 <<SQL
BEGIN;
$UPD
INSERT INTO notes (tenant_id, body) SELECT 1, 'bulk' FROM generate_series(1, 2000);
$UPD
INSERT INTO memos (tenant_id) SELECT 1 FROM generate_series(1, 1000);
$UPD
INSERT INTO tasks (tenant_id, title) VALUES (1, 'after notes') RETURNING id;
COMMIT;
SQL
) || fail "notes and memos: $(cat "$T/tsql.err")"
notes_upd=$(echo "$out" | awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }')
memos_upd=$(echo "$out" | awk 'NR == 2 { a = $1 } NR == 3 { print $1 - a }')
[ "$(psql -Atc "SELECT count(DISTINCT id) || ' ' || min(id) || ' ' || max(id) FROM notes WHERE tenant_id = 1")" = "2002 1 2002" ] \
    || fail "notes ids: $(psql -Atc "SELECT count(DISTINCT id) || ' ' || min(id) || ' ' || max(id) FROM notes")"
[ "$(psql -Atc "SELECT count(DISTINCT id) || ' ' || min(id) || ' ' || max(id) FROM memos WHERE tenant_id = 1")" = "1000 1 1000" ] \
    || fail "memos ids: $(psql -Atc "SELECT count(DISTINCT id) || ' ' || min(id) || ' ' || max(id) FROM memos")"
[ "$(last 1 notes) $(last 1 memos)" = "2002 1000" ] || fail "notes/memos counters: $(last 1 notes) $(last 1 memos)"
[ "$notes_upd" -le 3 ] || fail "2,000 notes updated the counter $notes_upd times"
# without its statement trigger, a table is numbered row by row, as in 0003
# (the first row inserts the counter, the 999 others update it)
[ "$memos_upd" = 999 ] || fail "1,000 memos updated the counter $memos_upd times, not 999"
[ "$(echo "$out" | sed -n 4p) $(last 1)" = "$((L + 1)) $((L + 1))" ] \
    || fail "a task after notes and memos: $(echo "$out" | sed -n 4p), counter $(last 1), not $((L + 1))"
echo "batch: 50,000 rows got $bulk_from..$bulk_to with $bulk_upd counter updates;" \
    "4 statements in one transaction $multi_upd; two tenants sorted in one statement $mix_upd;" \
    "2,000 notes $notes_upd; 1,000 memos without the statement trigger $memos_upd;" \
    "after rollbacks and savepoints a POST got $a4; two sessions of A took turns, B did not wait"
pass
