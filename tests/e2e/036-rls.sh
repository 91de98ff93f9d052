#!/usr/bin/env bash
# 036-rls: row-level security as a second wall between tenants
# (sql/0005_rls.sql). A query that forgot its WHERE tenant_id, run inside
# a request (the test build's hook, configure --enable-test-hooks), sees
# only the key's tenant's rows; as the API's role, a session without the
# setting sees none, one with it only that tenant's, and cannot write
# another's; the setting ends with its transaction; every table holding
# tenant_id but the key directory has a policy; the purge of expired
# Idempotency-Key records still reaches every tenant. Prints the counts.
. "$(dirname "$0")/lib.sh"

pg_start_roles
api_start
nginx_start
A=$("$BS_BIN" tenant create acme) || fail "tenant acme"
B=$("$BS_BIN" tenant create globex) || fail "tenant globex"
KA=$("$BS_BIN" key create --tenant acme --scope write) || fail "key a"
KB=$("$BS_BIN" key create --tenant globex --scope write) || fail "key b"
H='Content-Type: application/json'
for i in 1 2 3; do curl -s -o /dev/null -H "Authorization: Bearer $KA" -H "$H" -d "{\"title\":\"a$i\"}" "$URL/v1/tasks"; done
for i in 1 2 3 4 5; do curl -s -o /dev/null -H "Authorization: Bearer $KB" -H "$H" -d "{\"title\":\"b$i\"}" "$URL/v1/tasks"; done
[ "$(psql -Atc "SELECT count(*) FROM tasks")" = 8 ] || fail "setup: $(psql -Atc "SELECT count(*) FROM tasks") tasks"

# --- an unscoped SELECT inside a request ----------------------------------------
# unscoped KEY [HOOK]: the titles the forgetful query returns for KEY
# (HOOK untenanted: the same query run with no tenant at all)
unscoped() {
	local hook=${2:-unscoped}
	rm -f "$T/body" "$T/h"
	[ "$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $1" \
	    -H "X-Bootstack-Test: $hook" "$URL/v1/tasks?limit=100")" = 200 ] || fail "$hook: $(cat "$T/body")"
	grep -qi "^X-Bootstack-Test: $hook" "$T/h" \
	    || fail "the hook did not run: build with configure --enable-test-hooks (HACKING.md)"
	python3 -c "import json; print(' '.join(t['title'] for t in json.load(open('$T/body'))['items']))"
}
# the same statement without the wall, as the owner: every tenant's rows
[ "$(psql -Atc "SELECT count(*) FROM (SELECT id FROM tasks ORDER BY tenant_id, id LIMIT 101) s")" = 8 ] \
    || fail "the unscoped statement does not reach every row as the owner"
[ "$(unscoped "$KA")" = "a1 a2 a3" ] || fail "A's unscoped query saw: $(unscoped "$KA")"
[ "$(unscoped "$KB")" = "b1 b2 b3 b4 b5" ] || fail "B's unscoped query saw: $(unscoped "$KB")"
seen_a=$(unscoped "$KA" | wc -w) seen_b=$(unscoped "$KB" | wc -w)

# --- as the API's role, in psql --------------------------------------------------
asapi() { psql -U bs_api -v ON_ERROR_STOP=1 -qAt "$@"; }
[ "$(asapi -c "SELECT count(*) FROM tasks")" = 0 ] || fail "without the setting the API's role sees tasks"
[ "$(asapi -c "SELECT count(*) FROM idempotency_keys" -c "SELECT count(*) FROM tenant_ids" | tr '\n' ' ')" = "0 0 " ] \
    || fail "without the setting the API's role sees idempotency keys or counters"
[ "$(asapi -c "BEGIN" -c "SELECT set_config('bootstack.tenant_id', '$A', true)" -c "SELECT count(*) FROM tasks" \
    -c "COMMIT" -c "SELECT count(*) FROM tasks" | tr '\n' ' ')" = "$A 3 0 " ] \
    || fail "the setting is not held to its transaction"
# writes are held too: another tenant's rows cannot be made, changed or deleted
# t SQL: runs SQL in a transaction of tenant A's; prints its last result
# line, or the error (stderr is not buffered as stdout is: kept apart)
t() {
	asapi -c "BEGIN" -c "SELECT set_config('bootstack.tenant_id', '$A', true)" -c "$1" -c "COMMIT" \
	    >"$T/t.out" 2>"$T/t.err"
	if [ -s "$T/t.err" ]; then cat "$T/t.err"; else tail -1 "$T/t.out"; fi
}
t "INSERT INTO tasks (tenant_id, title) VALUES ($B, 'planted')" | grep -q "row-level security" \
    || fail "A's session planted a task in B"
[ "$(t "WITH u AS (UPDATE tasks SET title = 'x' RETURNING 1) SELECT count(*) FROM u")" = 3 ] \
    || fail "an UPDATE without WHERE reached beyond A's 3 rows"
[ "$(t "WITH d AS (DELETE FROM tasks WHERE tenant_id = $B RETURNING 1) SELECT count(*) FROM d")" = 0 ] \
    || fail "A's session deleted B's rows"
t "UPDATE tasks SET tenant_id = $B" | grep -q "row-level security" || fail "A's rows were moved to B"
[ "$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $B AND title LIKE 'b%'")" = 5 ] || fail "B's rows changed"

# --- every tenant table has its policy -------------------------------------------
bare=$(psql -Atc "SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
    AND a.attname = 'tenant_id' WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
    AND NOT c.relrowsecurity AND c.relname <> 'api_keys'")
[ -z "$bare" ] || fail "tenant tables without row-level security: $bare"
policies=$(psql -Atc "SELECT count(*) FROM pg_policies WHERE policyname = 'tenant_rows'")

# --- the purge of expired Idempotency-Key records spans tenants -------------------
psql -qc "INSERT INTO idempotency_keys (tenant_id, key, request_sha256, created_at)
    VALUES ($B, 'old', sha256('x'), now() - interval '25 hours')" || fail "old key"
for i in 1 2 3 4; do	# the first idempotent request of each worker purges
	curl -s -o /dev/null -H "Authorization: Bearer $KA" -H "$H" -H "Idempotency-Key: \"k$i\"" \
	    -d "{\"title\":\"idem $i\"}" "$URL/v1/tasks"
done
[ "$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE key = 'old'")" = 0 ] || fail "the purge did not reach B's expired key"
[ "$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE tenant_id = $A")" = 4 ] || fail "A's keys"
# and replays still work under the policy
[ "$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $KA" -H "$H" -H 'Idempotency-Key: "k1"' \
    -d '{"title":"idem 1"}' "$URL/v1/tasks")" = 201 ] && grep -qi '^Idempotent-Replayed: true' "$T/h" || fail "replay under RLS"
# --- the session's tenant, switched and cleared ------------------------------------
# A connection keeps the tenant it last set (lib/db.h: db_run_tenant) and
# sets another only when a request needs it: tenants in turns on the same
# two workers' connections, a statement with no tenant (which must see
# nothing) between them, /healthz (no tenant either), and a transaction
# rolled back (an idempotent POST its handler refuses).
titles() { psql -Atc "SELECT string_agg(title, ' ' ORDER BY id) FROM tasks WHERE tenant_id = $1"; }
ta=$(titles "$A") tb=$(titles "$B")
[ "$(unscoped "$KA")" = "$ta" ] && [ -n "$ta" ] || fail "A's unscoped query saw: $(unscoped "$KA")"
wrong=0 turns=0
for i in 1 2 3 4 5 6; do
	[ "$(unscoped "$KA")" = "$ta" ] || wrong=$((wrong + 1))
	[ -z "$(unscoped "$KA" untenanted)" ] || wrong=$((wrong + 1))
	[ "$(unscoped "$KB")" = "$tb" ] || wrong=$((wrong + 1))
	[ "$(unscoped "$KB")" = "$tb" ] || wrong=$((wrong + 1))
	curl -sf -o /dev/null "$URL/healthz" || fail "healthz"
	[ "$(unscoped "$KB")" = "$tb" ] || wrong=$((wrong + 1))
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" -H "$H" \
	    -H "Idempotency-Key: \"refused-$i\"" -d '{"title":""}' "$URL/v1/tasks")
	case $code in 400|422) ;; *) fail "an idempotent POST with an empty title: $code" ;; esac
	[ -z "$(unscoped "$KB" untenanted)" ] || wrong=$((wrong + 1))
	[ "$(unscoped "$KA")" = "$ta" ] || wrong=$((wrong + 1))
	turns=$((turns + 8))
done
[ "$wrong" = 0 ] || fail "$wrong of $turns statements saw another tenant's rows, or any with no tenant"
[ "$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE key LIKE '%refused-%'")" = 0 ] \
    || fail "a refused idempotent POST left its key"

echo "rls: unscoped query saw $seen_a of 8 rows as A, $seen_b as B; $wrong wrong of $turns statements in turns of tenants; $policies tenant policies"
pass
