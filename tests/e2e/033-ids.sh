#!/usr/bin/env bash
# 033-ids: task ids are counted per tenant (sql/0003_tenant_ids.sql), so an
# id tells a tenant nothing about the others: tenant B creating 10 tasks
# between two of A's leaves A's ids consecutive. Rows that existed before
# the migration keep their ids (and URLs); each tenant's counter starts
# after its largest; two tenants may hold the same id, each sees its own;
# concurrent creates get distinct ids with no gap, and a rolled back
# insert gives its number back. Prints the ids it saw.
. "$(dirname "$0")/lib.sh"

pg_start
API_LOG_LEVEL=info
BS_SQLDIR=$T/sql
mkdir -p "$BS_SQLDIR"
cp "$BS_TOP_SRCDIR"/sql/000[12]_*.sql "$BS_SQLDIR"/
write_config "$(api_config)"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate to 0002: $(cat "$T/migrate.log")"
# Before: one sequence for everyone, A's and B's tasks interleaved.
psql -qc "INSERT INTO tenants (name) VALUES ('a'), ('b')" \
    -c "INSERT INTO tasks (tenant_id, title) VALUES (1, 'a1'), (2, 'b1'), (1, 'a2'), (2, 'b2'), (2, 'b3')" \
    || fail "old rows"
cp "$BS_TOP_SRCDIR"/sql/*.sql "$BS_SQLDIR"/
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
pass
