#!/usr/bin/env bash
# 030-tasks: the template API end to end, through nginx with curl, for two
# tenants: auth (401/403, revocation bound), the whole CRUD flow, ETags
# (304/412), idempotent replay, every input error as problem+json, tenant
# isolation, keyset pagination over 250 tasks, hostile values stored
# literally, and the route table matching docs/openapi.json.
. "$(dirname "$0")/lib.sh"

pg_start
API_LOG_LEVEL=info
write_config "$(api_config)"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
nginx_start

A=$("$BS_BIN" tenant create acme) || fail "tenant create acme"
B=$("$BS_BIN" tenant create "globex corp") || fail "tenant create globex"
"$BS_BIN" tenant create acme 2>"$T/err" && fail "duplicate tenant accepted"
grep -q "exists already" "$T/err" || fail "duplicate tenant error: $(cat "$T/err")"
KA=$("$BS_BIN" key create --tenant acme --scope write --name ci) || fail "key create"
KAR=$("$BS_BIN" key create --tenant "$A" --scope read) || fail "key create read"
KB=$("$BS_BIN" key create --tenant "globex corp" --scope write) || fail "key create B"
[[ $KA =~ ^bsk_[A-Za-z0-9]{12}_[A-Za-z0-9]{40}$ ]] || fail "key format: $KA"
"$BS_BIN" key create --tenant nobody --scope read 2>/dev/null && fail "key for unknown tenant"
"$BS_BIN" key create --tenant acme --scope admin 2>/dev/null && fail "unknown scope accepted"
# Only the prefix and a hash are stored, never the secret.
secret=${KA##*_}
[ -z "$(psql -Atc "SELECT 1 FROM api_keys WHERE prefix || encode(secret_sha256, 'hex') LIKE '%$secret%'")" ] \
    || fail "the secret is stored"
[ "$(psql -Atc "SELECT encode(secret_sha256, 'hex') FROM api_keys WHERE prefix = '$(echo "$KA" | cut -d_ -f2)'")" \
    = "$(printf %s "$secret" | sha256sum | cut -d' ' -f1)" ] || fail "stored hash is not SHA-256 of the secret"

# api METHOD PATH KEY [curl args...]: prints the status; body in $T/body,
# headers in $T/h.
api() {
	local m=$1 p=$2 k=$3
	shift 3
	rm -f "$T/body"
	curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' -X "$m" \
	    ${k:+-H "Authorization: Bearer $k"} "$@" "$URL$p"
}
json() { [ -f "$T/body" ] || : >"$T/body"; python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)"; }
hdr() { sed -n "s/^$1: *//Ip" "$T/h" | tr -d '\r'; }
# expect_problem STATUS WORDS: the last answer is that problem+json, its
# detail holds WORDS, and it carries the request id echoed in X-Request-ID.
expect_problem() {
	local got=$1 want=$2 words=$3
	[ "$got" = "$want" ] || fail "expected $want, got $got: $(cat "$T/body")"
	hdr Content-Type | grep -q '^application/problem+json' || fail "$want is not problem+json"
	python3 - "$T/body" "$want" "$words" "$(hdr X-Request-ID)" <<'PY' || fail "problem body: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == int(sys.argv[2]), d
assert sys.argv[3] in d["detail"], (d["detail"], sys.argv[3])
assert d["request_id"] == sys.argv[4] and d["request_id"], d
PY
}

# --- authentication and scopes ---------------------------------------------
expect_problem "$(api GET /v1/tasks "")" 401 "API key is required"
hdr WWW-Authenticate | grep -q '^Bearer' || fail "401 without WWW-Authenticate"
expect_problem "$(api GET /v1/tasks "bsk_nope")" 401 "malformed"
# the key with its last character changed (to y when it already was an x)
bad=${KA%?}x
[ "$bad" = "$KA" ] && bad=${KA%?}y
expect_problem "$(api GET /v1/tasks "$bad")" 401 "not valid"
expect_problem "$(api GET /v1/tasks "" -H "Authorization: Basic $KA")" 401 "Bearer"
expect_problem "$(api POST /v1/tasks "$KAR" -H 'Content-Type: application/json' -d '{"title":"x"}')" 403 "'write' scope"
[ "$(api GET /v1/tasks "$KAR")" = 200 ] || fail "read key cannot list"

# --- create, read, conditional requests -----------------------------------
code=$(api POST /v1/tasks "$KA" -H 'Content-Type: application/json' \
    -d '{"title":"Ünïcödé ✓ task","due":"2027-02-28"}')
[ "$code" = 201 ] || fail "create: $code $(cat "$T/body")"
id=$(json 'd["id"]')
[ "$(hdr Location)" = "/v1/tasks/$id" ] || fail "Location: $(hdr Location)"
etag=$(hdr ETag)
[ "$etag" = "\"$id.1\"" ] || fail "ETag: $etag"
[ "$(json '(d["title"], d["status"], d["due"])')" = "('Ünïcödé ✓ task', 'todo', '2027-02-28')" ] \
    || fail "created body: $(cat "$T/body")"
json 'd["created_at"]' | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' || fail "created_at format"
[ "$(json 'sorted(d)')" = "['created_at', 'due', 'id', 'status', 'title', 'updated_at']" ] \
    || fail "task fields: $(json 'sorted(d)')"

[ "$(api GET /v1/tasks/$id "$KAR")" = 200 ] || fail "get"
[ "$(hdr ETag)" = "$etag" ] || fail "get ETag differs"
[ "$(api GET /v1/tasks/$id "$KAR" -H "If-None-Match: $etag")" = 304 ] || fail "If-None-Match not 304"
[ -s "$T/body" ] && fail "304 has a body"
[ "$(hdr ETag)" = "$etag" ] || fail "304 without ETag"
[ "$(api GET /v1/tasks/$id "$KAR" -H 'If-None-Match: "1.999"')" = 200 ] || fail "stale If-None-Match not 200"

# --- PATCH (merge patch) and If-Match ---------------------------------------
code=$(api PATCH /v1/tasks/$id "$KA" -H 'Content-Type: application/merge-patch+json' \
    -H "If-Match: $etag" -d '{"status":"doing","due":null}')
[ "$code" = 200 ] || fail "patch: $code $(cat "$T/body")"
[ "$(json '(d["status"], d["due"], d["title"])')" = "('doing', None, 'Ünïcödé ✓ task')" ] \
    || fail "patched body: $(cat "$T/body")"
etag2=$(hdr ETag)
[ "$etag2" = "\"$id.2\"" ] || fail "ETag after patch: $etag2"
expect_problem "$(api PATCH /v1/tasks/$id "$KA" -H 'Content-Type: application/json' \
    -H "If-Match: $etag" -d '{"status":"done"}')" 412 "version is now 2"
[ "$(api GET /v1/tasks/$id "$KA")" = 200 ] && [ "$(json 'd["status"]')" = doing ] \
    || fail "a 412 PATCH changed the task"
expect_problem "$(api PATCH /v1/tasks/$id "$KA" -H 'Content-Type: application/json' \
    -d '{"title":null}')" 400 "'title' must not be null"

# --- tenant isolation ---------------------------------------------------------
expect_problem "$(api GET /v1/tasks/$id "$KB")" 404 "no task"
expect_problem "$(api PATCH /v1/tasks/$id "$KB" -H 'Content-Type: application/json' -d '{"status":"done"}')" 404 "no task"
expect_problem "$(api DELETE /v1/tasks/$id "$KB")" 404 "no task"
[ "$(api GET /v1/tasks "$KB")" = 200 ] && [ "$(json 'len(d["items"])')" = 0 ] \
    || fail "tenant B sees tasks of A"
[ "$(api GET /v1/tasks/$id "$KA")" = 200 ] && [ "$(json 'd["status"]')" = doing ] \
    || fail "B's attempts changed A's task"

# --- input errors: precise 4xx, never a 500 -----------------------------------
H='Content-Type: application/json'
head -c 70000 /dev/zero | tr '\0' a | sed 's/^/{"title":"/; s/$/"}/' >"$T/big.json"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" --data-binary @"$T/big.json")" 413 "larger than 65536"
expect_problem "$(api POST /v1/tasks "$KA" -H 'Content-Type: text/plain' -d '{"title":"x"}')" 415 "application/json"
expect_problem "$(api POST /v1/tasks "$KA" -H 'Content-Type:' -d '{"title":"x"}')" 415 "Content-Type"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":')" 400 "malformed JSON"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"x"} trailing')" 400 "malformed JSON"
deep=$(printf '{"title":"x","z":%.0s' $(seq 33); printf '1'; printf '}%.0s' $(seq 34))
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d "$deep")" 400 "deeper than 32"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"x","color":"red"}')" 400 "unknown field 'color'"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":5}')" 400 "'title' must be a string"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"status":"todo"}')" 400 "'title' is required"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":""}')" 400 "'title' must be 1 to 200"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d "{\"title\":\"$(printf 'é%.0s' $(seq 201))\"}")" 400 "it has 201"
[ "$(api POST /v1/tasks "$KA" -H "$H" -d "{\"title\":\"$(printf 'é%.0s' $(seq 200))\"}")" = 201 ] \
    || fail "200 two-byte characters refused: $(cat "$T/body")"
printf '{"title":"bad \xff\xfe utf8"}' >"$T/bad-utf8.json"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" --data-binary @"$T/bad-utf8.json")" 400 "UTF-8"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"x","status":"bogus"}')" 400 "'status' must be one of"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"x","due":"2023-02-29"}')" 400 "'due' must be a date"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '[1,2]')" 400 "JSON object"
expect_problem "$(api GET '/v1/tasks?limit=0' "$KA")" 400 "limit"
expect_problem "$(api GET '/v1/tasks?limit=101' "$KA")" 400 "limit"
expect_problem "$(api GET '/v1/tasks?limit=ten' "$KA")" 400 "limit"
expect_problem "$(api GET '/v1/tasks?cursor=garbage!' "$KA")" 400 "cursor"
expect_problem "$(api GET '/v1/tasks?status=later' "$KA")" 400 "status"
expect_problem "$(api GET '/v1/tasks?sort=desc' "$KA")" 400 "unknown query parameter 'sort'"
# Strict query strings: each parameter once, plain digits, no control byte.
expect_problem "$(api GET '/v1/tasks?limit=5%00' "$KA")" 400 "'limit' holds a control character"
expect_problem "$(api GET '/v1/tasks?status=todo%00' "$KA")" 400 "'status' holds a control character"
expect_problem "$(api GET '/v1/tasks?status=to%0Ado' "$KA")" 400 "'status' holds a control character"
expect_problem "$(api GET '/v1/tasks?limit=+5' "$KA")" 400 "plain digits"
expect_problem "$(api GET '/v1/tasks?limit=%2B5' "$KA")" 400 "plain digits"
expect_problem "$(api GET '/v1/tasks?limit=05' "$KA")" 400 "plain digits"
expect_problem "$(api GET '/v1/tasks?limit=5&limit=6' "$KA")" 400 "'limit' is repeated"
expect_problem "$(api GET '/v1/tasks?limit=' "$KA")" 400 "'limit' has no value"
expect_problem "$(api GET '/v1/tasks?limit' "$KA")" 400 "'limit' has no value"
expect_problem "$(api GET '/v1/tasks?limit=5&' "$KA")" 400 "empty parameter"
expect_problem "$(api GET '/v1/tasks?status=%zz' "$KA")" 400 "malformed percent-encoding"
expect_problem "$(api GET '/v1/tasks?status=%C3' "$KA")" 400 "not valid UTF-8"
[ "$(api GET '/v1/tasks?limit=5&status=todo' "$KA")" = 200 ] || fail "a plain query refused: $(cat "$T/body")"
# Strict JSON: what json-c would silently change is refused.
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title\u0000x":"t"}')" 400 "member name holding"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"\ud800"}')" 400 "lone high surrogate"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"\udfff"}')" 400 "lone low surrogate"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"a\u0000b"}')" 400 "must not contain U+0000"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"x","due":"0000-11-01"}')" 400 "'due' must be a date"
[ "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"\ud83d\ude00","due":"0001-01-01"}')" = 201 ] \
    && [ "$(json 'd["title"]')" = "😀" ] || fail "a surrogate pair or year 1 refused: $(cat "$T/body")"
expect_problem "$(api GET /v1/tasks/abc "$KA")" 404 "no such task"
expect_problem "$(api GET /v1/tasks/99999999999999999999 "$KA")" 404 "no such task"
expect_problem "$(api PUT /v1/tasks "$KA")" 405 "not allowed"
[ "$(hdr Allow)" = "GET, HEAD, POST" ] || fail "Allow: $(hdr Allow)"

# A validation error never reaches PostgreSQL: log every statement, send
# refused requests carrying a marker, then one accepted request carrying
# another (proving the log works): only the second may be in the log.
psql -qc "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
api POST /v1/tasks "$KA" -H "$H" -d '{"title":"REFUSEDMARK","color":1}' >/dev/null
api POST /v1/tasks "$KA" -H "$H" -d '{"title":"REFUSEDMARK","status":"nope"}' >/dev/null
api PATCH /v1/tasks/$id "$KA" -H "$H" -d '{"title":"REFUSEDMARK","x":1}' >/dev/null
[ "$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"ACCEPTEDMARK"}')" = 201 ] || fail "marker task"
psql -qc "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
grep -q ACCEPTEDMARK "$T/postgres.log" || fail "statement logging did not work"
grep -q REFUSEDMARK "$T/postgres.log" && fail "a refused request reached PostgreSQL"

# Hostile values are stored and returned literally.
for v in "'); DROP TABLE tasks; --" '<script>alert(1)</script>' '%s%n%x' '\u0000' 'a\"b'; do
	body=$(python3 -c 'import json,sys; print(json.dumps({"title": sys.argv[1]}))' "$v")
	[ "$(api POST /v1/tasks "$KA" -H "$H" -d "$body")" = 201 ] || fail "hostile title refused: $v"
	hid=$(json 'd["id"]')
	[ "$(api GET /v1/tasks/$hid "$KA")" = 200 ] || fail "hostile task not readable"
	[ "$(json 'd["title"]')" = "$v" ] || fail "hostile title changed: $v -> $(json 'd["title"]')"
done
[ "$(psql -Atc 'SELECT count(*) > 0 FROM tasks')" = t ] || fail "tasks table damaged"

# --- idempotent POST ------------------------------------------------------------
before=$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $A")
[ "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "order-42"' -d '{"title":"once"}')" = 201 ] \
    || fail "idempotent create"
first=$(cat "$T/body")
loc=$(hdr Location)
[ "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "order-42"' -d '{"title":"once"}')" = 201 ] \
    || fail "idempotent replay status"
[ "$(cat "$T/body")" = "$first" ] || fail "replay body differs"
[ "$(hdr Location)" = "$loc" ] || fail "replay Location differs"
[ "$(hdr Idempotent-Replayed)" = true ] || fail "replay not marked"
[ "$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $A")" = $((before + 1)) ] \
    || fail "replay created a second task"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "order-42"' -d '{"title":"twice"}')" \
    422 "different request"
[ "$(api POST /v1/tasks "$KB" -H "$H" -H 'Idempotency-Key: "order-42"' -d '{"title":"once"}')" = 201 ] \
    || fail "keys are not per tenant"
[ "$(hdr Idempotent-Replayed)" = "" ] || fail "another tenant got A's replay"
# A replay takes no lock the write would: with tenant A's id counter held
# by another session for 3 s, the replay answers at once, while a new
# key's POST waits for the counter (which shows the lock was held).
psql -qc "BEGIN" -c "SELECT 1 FROM tenant_ids WHERE tenant_id = $A AND resource = 'tasks' FOR UPDATE" \
    -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null &
holder=$!
sleep 0.5
t0=$(date +%s%N)
code=$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "order-42"' -d '{"title":"once"}')
replay_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
replayed=$(hdr Idempotent-Replayed)
t0=$(date +%s%N)
code2=$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "while-held"' -d '{"title":"while held"}')
new_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $holder
echo "# with the id counter held 3 s by another session: replay $code in $replay_ms ms, a new key's POST $code2 in $new_ms ms"
[ "$code" = 201 ] && [ "$replayed" = true ] || fail "replay while the counter was held: $code $(cat "$T/body")"
[ "$replay_ms" -lt 1500 ] || fail "a replay waited $replay_ms ms on the id counter"
[ "$code2" = 201 ] && [ "$new_ms" -ge 1000 ] || fail "a new key's POST did not wait on the held counter ($code2 in $new_ms ms): the test holds nothing"
# Six at once under one new key: one task, the other five replay its answer
# (the claim and the insert go in one round trip; a known key's insert is
# rolled back).
before=$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $A")
pids=
for i in 1 2 3 4 5 6; do
	curl -s -m 60 -o "$T/burst$i.body" -D "$T/burst$i.h" -w '%{http_code}' -H "Authorization: Bearer $KA" \
	    -H "$H" -H 'Idempotency-Key: "burst-1"' -d '{"title":"burst"}' "$URL/v1/tasks" >"$T/burst$i.code" &
	pids="$pids $!"
done
wait $pids
codes=$(for i in 1 2 3 4 5 6; do cat "$T/burst$i.code"; echo; done | sort | uniq -c | awk '{ printf "%s x %s ", $2, $1 }')
made=$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $A")
fresh=$(grep -Lis '^Idempotent-Replayed: true' "$T"/burst?.h | wc -l)
echo "# six POSTs under one key at once: answers $codes, tasks made $((made - before)), not replayed $fresh"
[ "$codes" = "201 x 6 " ] || fail "six POSTs under one key: $codes"
[ "$made" = $((before + 1)) ] || fail "six POSTs under one key made $((made - before)) tasks"
[ "$fresh" = 1 ] || fail "$fresh of six POSTs under one key were not replays"
[ "$(md5sum "$T"/burst?.body | cut -d' ' -f1 | sort -u | wc -l)" = 1 ] || fail "the six answers differ"
# ... and the replays are the first answer byte for byte: status, body and
# every header but the marker and those of the moment (Date, X-Request-ID).
same() { grep -iv '^\(Date\|X-Request-ID\|Idempotent-Replayed\):' "$1" | tr -d '\r' | sort; }
for i in 2 3 4 5 6; do
	[ "$(same "$T/burst$i.h")" = "$(same "$T/burst1.h")" ] || fail "burst answer $i's headers differ: $(same "$T/burst$i.h")"
done
# Replays of hostile titles (quotes, backslashes, control characters, JSON
# and SQL syntax, non-ASCII, a due date) are the first answer byte for byte.
n=0 same_n=0
for v in "'); DROP TABLE tasks; --" 'a\"b\\c' $'tab\tnl\nbell\a' '{"x":[1]}' 'Ünïcödé ✓ 𝄞' '\u2028'; do
	n=$((n + 1))
	body=$(python3 -c 'import json,sys; print(json.dumps({"title": sys.argv[1], "due": "2027-01-0" + sys.argv[2]}))' "$v" $(( n % 9 + 1 )))
	[ "$(api POST /v1/tasks "$KA" -H "$H" -H "Idempotency-Key: \"hostile-$n\"" -d "$body")" = 201 ] \
	    || fail "hostile keyed title refused: $v"
	cp "$T/body" "$T/first.body"; same "$T/h" >"$T/first.h"
	[ "$(api POST /v1/tasks "$KA" -H "$H" -H "Idempotency-Key: \"hostile-$n\"" -d "$body")" = 201 ] \
	    && cmp -s "$T/body" "$T/first.body" && [ "$(same "$T/h")" = "$(cat "$T/first.h")" ] \
	    && [ "$(hdr Idempotent-Replayed)" = true ] && same_n=$((same_n + 1))
done
echo "# keyed POSTs of hostile titles: $same_n of $n replays the first answer byte for byte"
[ "$same_n" = "$n" ] || fail "$((n - same_n)) of $n hostile replays differ from the first answer"
# Rounds of eight at once, each under a new key, half of them with
# another body under the same key: per round one task, the same answer
# for every same-body request (201), 422 for the others or, if one of
# them came first, its answer and 422 for the rest; ids without a gap.
rounds=5 made_total=0 bad=0 answers=
last=$(psql -Atc "SELECT last_id FROM tenant_ids WHERE tenant_id = $A AND resource = 'tasks'")
for r in $(seq $rounds); do
	pids=
	for i in 1 2 3 4 5 6 7 8; do
		body='{"title":"round '$r'"}'
		[ $((i % 2)) = 0 ] && body='{"title":"other '$r'"}'
		curl -s -m 60 -o "$T/r$i.body" -D "$T/r$i.h" -w '%{http_code}' -H "Authorization: Bearer $KA" \
		    -H "$H" -H "Idempotency-Key: \"round-$r\"" -d "$body" "$URL/v1/tasks" >"$T/r$i.code" &
		pids="$pids $!"
	done
	wait $pids
	made=$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $A AND title IN ('round $r', 'other $r')")
	made_total=$((made_total + made))
	codes=$(for i in 1 2 3 4 5 6 7 8; do cat "$T/r$i.code"; echo; done)
	n201=$(grep -c '^201$' <<<"$codes" || true)
	n422=$(grep -c '^422$' <<<"$codes" || true)
	answers="$answers $n201/$n422"
	# every 201 the same body; 201s all of one parity (the first body's)
	[ "$(for i in 1 2 3 4 5 6 7 8; do [ "$(cat "$T/r$i.code")" = 201 ] && md5sum <"$T/r$i.body"; done | sort -u | wc -l)" = 1 ] \
	    || bad=$((bad + 1))
	[ $((n201 + n422)) = 8 ] && { [ "$n201" = 4 ] && [ "$n422" = 4 ]; } || bad=$((bad + 1))
done
now=$(psql -Atc "SELECT last_id FROM tenant_ids WHERE tenant_id = $A AND resource = 'tasks'")
echo "# $rounds rounds of 8 POSTs at once under one new key (half another body): 201/422 per round$answers; tasks made $made_total; counter moved $((now - last)); bad rounds $bad"
[ "$made_total" = "$rounds" ] || fail "$rounds rounds under one key each made $made_total tasks"
[ $((now - last)) = "$rounds" ] || fail "the id counter moved $((now - last)) for $rounds tasks: a gap"
[ "$bad" = 0 ] || fail "$bad rounds answered otherwise than 4 x 201 (one body) and 4 x 422"
# A write PostgreSQL refuses (a constraint the owner adds for the test; the
# handler's checks pass): 500, nothing recorded, no task, no id used; the
# same key then works, and the next id follows the last.
psql -qc "ALTER TABLE tasks ADD CONSTRAINT test_refused CHECK (title <> 'refused by the database') NOT VALID"
last=$(psql -Atc "SELECT last_id FROM tenant_ids WHERE tenant_id = $A AND resource = 'tasks'")
fails=0
for i in 1 2 3; do
	code=$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "refused-1"' -d '{"title":"refused by the database"}')
	[ "$code" = 500 ] && fails=$((fails + 1))
done
code=$(api POST /v1/tasks "$KA" -H "$H" -d '{"title":"refused by the database"}')
[ "$code" = 500 ] && fails=$((fails + 1))
psql -qc "ALTER TABLE tasks DROP CONSTRAINT test_refused"
recorded=$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE key = 'refused-1'")
stored=$(psql -Atc "SELECT count(*) FROM tasks WHERE title = 'refused by the database'")
[ "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "refused-1"' -d '{"title":"accepted now"}')" = 201 ] \
    || fail "the key of a refused write is blocked: $(cat "$T/body")"
next=$(json 'd["id"]')
echo "# writes PostgreSQL refused: $fails of 4 answered 500; $recorded recorded, $stored stored; next id $next after $last"
[ "$fails" = 4 ] || fail "$fails of 4 refused writes answered 500"
[ "$recorded" = 0 ] && [ "$stored" = 0 ] || fail "a refused write left $recorded records and $stored tasks"
[ "$next" = $((last + 1)) ] || fail "the id after refused writes is $next, not $((last + 1))"
# The backend terminated (pg_terminate_backend) before each POST: a keyed
# POST is resent on a fresh connection (its steps are idempotent) and
# answers 201; its replay is the same answer; as many tasks as 201s.
created=0 other= replayed=0
before=$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $A")
for i in 1 2 3 4 5 6; do
	psql -Atc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'bootstack'" >/dev/null
	code=$(api POST /v1/tasks "$KA" -H "$H" -H "Idempotency-Key: \"cut-$i\"" -d "{\"title\":\"cut $i\"}")
	if [ "$code" = 201 ]; then
		created=$((created + 1))
		cp "$T/body" "$T/cut.body"
		[ "$(api POST /v1/tasks "$KA" -H "$H" -H "Idempotency-Key: \"cut-$i\"" -d "{\"title\":\"cut $i\"}")" = 201 ] \
		    && cmp -s "$T/body" "$T/cut.body" && [ "$(hdr Idempotent-Replayed)" = true ] && replayed=$((replayed + 1))
	else
		other="$other $code"
	fi
done
made=$(( $(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $A") - before ))
echo "# keyed POSTs after pg_terminate_backend: 201 x $created (others:${other:- none}), replayed the same $replayed, tasks made $made"
[ "$created" = 6 ] || fail "keyed POSTs after the backend was terminated: $created of 6 answered 201 (others:$other)"
[ "$replayed" = 6 ] && [ "$made" = 6 ] || fail "after termination: $replayed replays the same, $made tasks for 6"
# A record of the previous version (the answer stored as sent) still
# replays as it was stored.
oldhash=$(printf 'POST\0/v1/tasks\0{"title":"old"}' | sha256sum | cut -d' ' -f1)
psql -qc "INSERT INTO idempotency_keys (tenant_id, key, request_sha256, status_code, response_headers, response_body)
    VALUES ($A, 'v1-record', decode('$oldhash', 'hex'), 201,
    '{\"Location\": \"/v1/tasks/77\", \"ETag\": \"\\\"77.1\\\"\"}', '{\"id\":77,\"title\":\"old\"}')"
[ "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "v1-record"' -d '{"title":"old"}')" = 201 ] \
    || fail "a record of the previous version: $(cat "$T/body")"
[ "$(cat "$T/body")" = '{"id":77,"title":"old"}' ] && [ "$(hdr Location)" = /v1/tasks/77 ] \
    && [ "$(hdr ETag)" = '"77.1"' ] && [ "$(hdr Idempotent-Replayed)" = true ] \
    || fail "a record of the previous version replayed otherwise: $(cat "$T/h" "$T/body")"
# A recorded row that does not fit this version's answer (other columns)
# is refused with a 500, never handed to the handler; the worker lives on.
psql -qc "INSERT INTO idempotency_keys (tenant_id, key, request_sha256, response_row)
    VALUES ($A, 'v9-record', decode('$oldhash', 'hex'), '[\"1\", \"old\"]')"
code=$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "v9-record"' -d '{"title":"old"}')
[ "$code" = 500 ] || fail "a recorded row of 2 columns: $code $(cat "$T/body")"
for i in 1 2 3 4; do [ "$(api GET /v1/tasks/$id "$KA")" = 200 ] || fail "a worker died on a bad record"; done
# A failed first attempt records nothing: the same key works afterwards.
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "k2"' -d '{"title":""}')" 400 "title"
[ "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "k2"' -d '{"title":"ok now"}')" = 201 ] \
    || fail "key blocked by a failed attempt"
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -H "Idempotency-Key: \"$(printf 'k%.0s' $(seq 256))\"" -d '{"title":"x"}')" \
    400 "at most 255"
[ "$(api POST /v1/tasks "$KA" -H "$H" -H "Idempotency-Key: \"$(printf 'k%.0s' $(seq 255))\"" -d '{"title":"x"}')" = 201 ] \
    || fail "a 255-character key refused: $(cat "$T/body")"
# An RFC 8941 String: quoted, with \" and \\ escapes; the key is the content.
[ "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "a\"b\\c"' -d '{"title":"esc"}')" = 201 ] \
    || fail "an escaped key refused: $(cat "$T/body")"
[ "$(psql -Atc "SELECT key FROM idempotency_keys WHERE key LIKE 'a%'")" = 'a"b\c' ] \
    || fail "escaped key stored as $(psql -Atc "SELECT key FROM idempotency_keys WHERE key LIKE 'a%'")"
for bad in 'order-42' '"unterminated' '""' '"a";p=1' '"a" "b"' '"é"' '"a\x"'; do
	expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -H "Idempotency-Key: $bad" -d '{"title":"x"}')" \
	    400 "quoted string"
done
expect_problem "$(api POST /v1/tasks "$KA" -H "$H" -H 'Idempotency-Key: "k3"' -H 'Idempotency-Key: "k4"' \
    -d '{"title":"x"}')" 400 "more than once"

# --- DELETE ------------------------------------------------------------------------
expect_problem "$(api DELETE /v1/tasks/$id "$KA" -H "If-Match: $etag")" 412 "version is now"
[ "$(api DELETE /v1/tasks/$id "$KA" -H "If-Match: $etag2")" = 204 ] || fail "delete"
[ -s "$T/body" ] && fail "204 has a body"
expect_problem "$(api GET /v1/tasks/$id "$KA")" 404 "no task"
expect_problem "$(api DELETE /v1/tasks/$id "$KA")" 404 "no task"

# --- keyset pagination over 250 tasks ---------------------------------------------
seq 1 250 | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -H "Authorization: Bearer $KB" -H "$H" -d '{"title":"page task {}"}' "$URL/v1/tasks" >"$T/creates"
[ "$(grep -c '^201$' "$T/creates")" = 250 ] || fail "bulk create: $(sort "$T/creates" | uniq -c)"
psql -qc "UPDATE tasks SET status = 'done' WHERE tenant_id = $B AND id % 5 = 0"
want_done=$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $B AND status = 'done'")
page() {	# $1: query; appends ids to $T/ids; prints the next cursor
	[ "$(api GET "/v1/tasks?$1" "$KB")" = 200 ] || fail "page $1: $(cat "$T/body")"
	json '"\n".join(str(t["id"]) + " " + t["status"] for t in d["items"])' >>"$T/ids"
	json 'd["next_cursor"] or ""'
}
for filter in "" "status=done&"; do
	: >"$T/ids"
	cur=$(page "${filter}limit=100")
	pages=1
	while [ -n "$cur" ]; do
		cur=$(page "${filter}limit=100&cursor=$cur")
		pages=$((pages + 1))
		# a task created mid-way shows up on a later page, none repeats
		[ "$pages" = 2 ] && [ -z "$filter" ] && curl -s -o /dev/null -H "Authorization: Bearer $KB" \
		    -H "$H" -d '{"title":"late"}' "$URL/v1/tasks"
	done
	sed -i '/^$/d' "$T/ids"
	if [ -z "$filter" ]; then
		[ "$(wc -l <"$T/ids")" = 252 ] || fail "pagination returned $(wc -l <"$T/ids") of 252"
		[ "$pages" = 3 ] || fail "expected 3 pages, got $pages"
	else
		[ "$(wc -l <"$T/ids")" = "$want_done" ] || fail "status filter: $(wc -l <"$T/ids") of $want_done"
		grep -vq ' done$' "$T/ids" && fail "status filter let other statuses through"
	fi
	[ "$(cut -d' ' -f1 "$T/ids" | sort -n | uniq -d | wc -l)" = 0 ] || fail "a task was returned twice"
	cut -d' ' -f1 "$T/ids" | sort -c -n || fail "pages are not in id order"
done
[ "$(api GET '/v1/tasks?limit=1' "$KB")" = 200 ] && [ "$(json 'len(d["items"])')" = 1 ] || fail "limit=1"

# --- last_used_at, and revocation within the documented 5 s bound ---------------
"$BS_BIN" key list --tenant acme >"$T/keys" || fail "key list"
grep -q ' ci ' "$T/keys" || fail "key list misses the label: $(cat "$T/keys")"
[ "$(psql -Atc "SELECT count(*) FROM api_keys WHERE last_used_at IS NOT NULL AND tenant_id = $A")" = 2 ] \
    || fail "last_used_at not recorded"
kid=$(psql -Atc "SELECT id FROM api_keys WHERE prefix = '$(echo "$KAR" | cut -d_ -f2)'")
[ "$(api GET /v1/tasks "$KAR")" = 200 ] || fail "read key before revoke"
"$BS_BIN" key revoke "$kid" >/dev/null || fail "key revoke"
t0=$(date +%s%N)
revoked=0
while [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5500 ]; do
	if [ "$(api GET /v1/tasks "$KAR")" = 401 ] && [ "$(api GET /v1/tasks "$KAR")" = 401 ]; then
		revoked=1
		break
	fi
	sleep 0.1
done
[ "$revoked" = 1 ] || fail "revoked key still accepted after 5 s"
expect_problem "$(api GET /v1/tasks "$KAR")" 401 "revoked"
"$BS_BIN" key revoke 999999 2>/dev/null && fail "revoking an unknown key succeeded"

# --- the database down: 503, not a 500 -------------------------------------------
pg_stop
expect_problem "$(api GET /v1/tasks/1 "$KA")" 503 "database"
pg_resume

# --- OpenAPI: served document = docs/openapi.json = the route table -----------------
[ "$(api GET /openapi.json "")" = 200 ] || fail "openapi.json"
cmp -s "$T/body" "$BS_TOP_SRCDIR/docs/openapi.json" || fail "served openapi.json differs from docs/"
"$BS_API_BIN" --routes >"$T/routes" || fail "--routes"
# Every status a request of this script got is declared for its operation.
sleep 0.2	# nginx writes its access log line after the answer
python3 "$(dirname "$0")/openapi-check.py" "$BS_TOP_SRCDIR/docs/openapi.json" "$T/routes" \
    --log "$T/nginx-access.log" >&2 || fail "router, OpenAPI and the answers disagree"
grep -q '"status":5[0-9][0-9]' "$T/api.log" && grep -v 'database\|recorded row' "$T/api.log" | grep -q '"level":"error"' \
    && fail "the API logged errors: $(grep '"level":"error"' "$T/api.log" | head -3)"
pass
