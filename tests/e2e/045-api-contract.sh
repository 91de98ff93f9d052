#!/usr/bin/env bash
# 045-api-contract: the API's contract as a client sees it through the
# production nginx configuration (`bootstack nginx render`), over HTTPS,
# HTTP/1.1 and HTTP/2, with PostgreSQL: every error nginx makes itself is
# a problem document, at every stage of a request (request line, headers,
# access, body, upstream), never nginx's HTML (tests/e2e/nginx-errors.py
# walks the malformed requests; rawhttp.py sends what curl cannot); the
# preconditions of RFC 9110 section 13 as a table of requests; times in
# RFC 3339 with Z with the database at UTC and at Europe/Paris.
. "$(dirname "$0")/lib.sh"

pg_start
# Per-key rates the tests below can exceed on purpose; the walk's requests
# without a key must not meet the per-address one.
nginx_tls_prepare "rate = 15
burst = 40
anon_rate = 1000
anon_burst = 1000"
# A body above 64 KiB goes to nginx's buffer folder (the 500 case below).
write_config "$(api_config "max_body = 1048576")
$NGINX_TLS_INI"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate: $(cat "$T/migrate.log")"
api_start
nginx_tls_start
P=$NGINX_HTTPS_PORT
walk() { python3 "$BS_TOP_SRCDIR/tests/e2e/nginx-errors.py" "$P" "$BS_CA" "$@" >>"$T/walk.log" 2>&1 \
    || fail "nginx errors ($*): $(grep -m3 FAIL "$T/walk.log")"; }

# A client that sends its headers, then 2 of 10 body bytes and stalls:
# nginx drops it after client_body_timeout (10 s) without an answer (nginx
# never answers a 408: it closes). Checked at the end.
python3 - "$P" "$BS_CA" "$BS_TOP_SRCDIR/tests/e2e" >"$T/stall.out" 2>&1 <<'PY' &
import sys, time
sys.path.insert(0, sys.argv[3])
import rawhttp
t0 = time.time()
got = rawhttp.h1("127.0.0.1", sys.argv[1], "api.bootstack.test", sys.argv[2],
                 b"POST /v1/tasks HTTP/1.1\r\nHost: api.bootstack.test\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"")
print("%.0f %s" % (time.time() - t0, "closed" if got.get("closed") else got))
PY
stall=$!

# --- malformed requests, at the request line and header stage ----------------
walk parse
# --- the access stage: a broken password file (500), then one (401, 404, 405) --
rm -f "$T/htpasswd" && mkdir "$T/htpasswd"
walk nopasswd
rmdir "$T/htpasswd"
printf 'walk-password\n' | "$BS_BIN" nginx password --user ops >/dev/null 2>&1 || fail "nginx password"
printf '<h1>ops</h1>\n' >"$T/www/ops/index.html"
walk passwd
# --- the body stage: nginx cannot write its buffer file (500) ----------------
head -c 100000 /dev/zero | tr '\0' a >"$T/big.json"
rm -rf "$T/nginx/body" && touch "$T/nginx/body"
BIGBODY=$T/big.json walk nobuffer
rm -f "$T/nginx/body" && mkdir "$T/nginx/body"

wait "$stall"
read -r secs what <"$T/stall.out" || fail "stalled body: $(cat "$T/stall.out")"
[ "$what" = closed ] && [ "$secs" -ge 9 ] && [ "$secs" -le 14 ] \
    || fail "stalled body: after ${secs}s: $what (want closed after 10 s, no answer)"

# --- nginx's own 503: no certificate yet, port 80 answers only ACME ----------
grep -v -e '^cert_file' -e '^key_file' "$BS_CONF" >"$T/nocert.conf"
BOOTSTACK_CONF=$T/nocert.conf "$BS_BIN" nginx render --check --reload >"$T/render2.log" 2>&1 \
    || fail "render without a certificate: $(cat "$T/render2.log")"
sleep 0.5
r=$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code} %{content_type}' \
    -H 'Host: api.bootstack.test' "http://127.0.0.1:$NGINX_HTTP_PORT/v1/tasks")
[ "$r" = "503 application/problem+json" ] || fail "no certificate, port 80: $r $(head -c 100 "$T/body")"
grep -qi '^retry-after: 1' "$T/h" || fail "nginx's 503 without Retry-After"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"] == 503 and d["request_id"], d' \
    "$T/body" || fail "nginx's 503 body: $(cat "$T/body")"
"$BS_BIN" nginx render --check --reload >"$T/render3.log" 2>&1 || fail "render again"
sleep 0.5

# --- RFC 9110 preconditions: a table of header x method x state -> status -----
"$BS_BIN" tenant create acme >/dev/null && "$BS_BIN" tenant create globex >/dev/null \
    || fail "tenant create"
KA=$("$BS_BIN" key create --tenant acme --scope write) || fail "key create"
KB=$("$BS_BIN" key create --tenant globex --scope write) || fail "key create"
J='Content-Type: application/json'
# api METHOD PATH KEY [curl args]: prints the status; body $T/body, headers $T/h.
api() {
	local m=$1 p=$2 k=$3
	shift 3
	rm -f "$T/body"
	tls_curl -o "$T/body" -D "$T/h" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $k" \
	    "$@" "$URL$p"
}
hdr() { sed -n "s/^$1: *//Ip" "$T/h" | tr -d '\r'; }
[ "$(api POST /v1/tasks "$KA" -H "$J" -d '{"title":"cond"}')" = 201 ] || fail "create: $(cat "$T/body")"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
lm=$(hdr Last-Modified)
[ "$(hdr ETag)" = "\"$id.1\"" ] && [ -n "$lm" ] || fail "validators: $(hdr ETag) / $lm"
lm1=$(python3 -c 'import sys, email.utils as u; print(u.formatdate(u.parsedate_to_datetime(sys.argv[1]).timestamp() - 1, usegmt=True))' "$lm")
# B's task, with an id A's tasks do not reach (ids are counted per tenant)
psql -qc "INSERT INTO tenant_ids (tenant_id, resource, last_id) SELECT id, 'tasks', 1000000 FROM tenants
    WHERE name = 'globex' ON CONFLICT (tenant_id, resource) DO UPDATE SET last_id = 1000000" || fail "B's counter"
[ "$(api POST /v1/tasks "$KB" -H "$J" -d '{"title":"theirs"}')" = 201 ] || fail "create B"
bid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
rows=0
# row STATUS METHOD PATH [curl args]: one row of the table.
row() {
	local want=$1 got
	shift
	got=$(api "$1" "$2" "$KA" "${@:3}")
	rows=$((rows + 1))
	[ "$got" = "$want" ] || fail "precondition row $rows ($*): $got, want $want: $(cat "$T/body" 2>/dev/null)"
	case "$want" in
	412|400) hdr Content-Type | grep -q '^application/problem+json' || fail "row $rows: not a problem" ;;
	304) [ -s "$T/body" ] && fail "row $rows: 304 with a body"
	     [ "$(hdr ETag)" != "" ] || [ "$2" = /v1/tasks ] || fail "row $rows: 304 without ETag" ;;
	esac
}
T1=/v1/tasks/$id
row 200 GET "$T1" -H "If-Match: \"$id.1\""
row 200 GET "$T1" -H "If-Match: \"zzz\", \"$id.1\""
row 412 GET "$T1" -H "If-Match: \"$id.01\""
row 412 GET "$T1" -H "If-Match: W/\"$id.1\""
row 304 GET "$T1" -H "If-None-Match: W/\"$id.1\""
row 304 GET "$T1" -H "If-None-Match: \"a\", \"$id.1\""
row 200 GET "$T1" -H "If-None-Match: \"$id.2\""
row 304 GET "$T1" -H 'If-None-Match: *'
row 304 HEAD "$T1" -H "If-None-Match: \"$id.1\""
row 304 GET "$T1" -H "If-Modified-Since: $lm"
row 200 GET "$T1" -H "If-Modified-Since: $lm1"
row 412 GET "$T1" -H "If-Unmodified-Since: $lm1"
row 200 GET "$T1" -H "If-Unmodified-Since: not a date"
row 400 GET "$T1" -H 'If-None-Match: zzz'
row 412 PATCH "$T1" -H "$J" -H 'If-None-Match: *' -d '{"status":"done"}'
row 412 PATCH "$T1" -H "$J" -H "If-None-Match: \"$id.1\"" -d '{"status":"done"}'
row 412 PATCH "$T1" -H "$J" -H "If-Match: W/\"$id.1\"" -d '{"status":"done"}'
row 412 PATCH "$T1" -H "$J" -H "If-Unmodified-Since: $lm1" -d '{"status":"done"}'
row 400 PATCH "$T1" -H "$J" -H "If-Match: \"$id.9\"" -d '{"status":"bogus"}'
row 200 PATCH "$T1" -H "$J" -H "If-Match: \"zzz\", \"$id.1\"" -d '{}'
[ "$(hdr ETag)" = "\"$id.1\"" ] || fail "an empty patch changed the ETag: $(hdr ETag)"
row 200 PATCH "$T1" -H "$J" -d '{"title":"cond","status":"todo"}'
[ "$(hdr ETag)" = "\"$id.1\"" ] && [ "$(hdr Last-Modified)" = "$lm" ] \
    || fail "a patch to the same values changed the validators: $(hdr ETag) $(hdr Last-Modified)"
row 200 PATCH "$T1" -H "$J" -H "If-Unmodified-Since: $lm" -d '{"status":"doing"}'
[ "$(hdr ETag)" = "\"$id.2\"" ] || fail "a real change kept the ETag: $(hdr ETag)"
row 412 PATCH "$T1" -H "$J" -H "If-Match: \"$id.1\"" -d '{"status":"done"}'
grep -q 'version is now 2' "$T/body" || fail "412 detail: $(cat "$T/body")"
# If-Match on two header lines: nginx refuses it itself ("duplicate header
# line"; the API would join them, tests/unit/check_problem.c).
row 400 PATCH "$T1" -H "$J" -H 'If-Match: "x"' -H "If-Match: \"$id.2\"" -d '{"status":"done"}'
row 200 PATCH "$T1" -H "$J" -H "If-Match: \"x\", \"$id.2\"" -d '{"status":"done"}'
row 412 POST /v1/tasks -H "$J" -H 'If-Match: "x"' -d '{"title":"no"}'
row 201 POST /v1/tasks -H "$J" -H 'If-Match: *' -d '{"title":"yes"}'
row 412 POST /v1/tasks -H "$J" -H 'If-None-Match: *' -d '{"title":"no"}'
row 304 GET /v1/tasks -H 'If-None-Match: *'
row 412 GET /v1/tasks -H 'If-Match: "x"'
row 412 DELETE "$T1" -H 'If-None-Match: *'
row 412 DELETE "$T1" -H "If-Match: \"$id.2\""
row 404 DELETE "/v1/tasks/$bid" -H 'If-Match: *'
row 404 DELETE /v1/tasks/999999999 -H 'If-None-Match: "x"'
row 204 DELETE "$T1" -H "If-Match: \"$id.3\""
row 404 GET "$T1" -H 'If-None-Match: *'
echo "preconditions: $rows rows, all as RFC 9110 section 13 says" >>"$T/walk.log"
[ "$(psql -Atc "SELECT count(*) FROM tasks WHERE title = 'no'")" = 0 ] || fail "a refused POST created a task"

# --- rate limits: per API key, not per address ---------------------------------
# 5 keys from one address at 50 requests/s (10 per key, below [nginx] rate =
# 15 here): no 429. Then one key far over its rate: 429 with Retry-After,
# RateLimit-Policy and RateLimit, while another key from the same address
# still gets through.
for i in 1 2 3 4 5; do
	"$BS_BIN" key create --tenant acme --scope read >>"$T/keys" || fail "key create"
done
python3 - "$P" "$BS_CA" "$T/keys" "$KB" >"$T/rate.out" 2>&1 <<'PY' || fail "rate limits: $(cat "$T/rate.out")"
import json, ssl, sys, threading, time, http.client
port, ca, keys, other = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().split(), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
def get(key, out):
    c = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx, timeout=30)
    c.sock = ctx.wrap_socket(__import__("socket").create_connection(("127.0.0.1", int(port))),
                             server_hostname="api.bootstack.test")
    c.request("GET", "/v1/tasks?limit=1", headers={"Host": "api.bootstack.test",
              "Authorization": "Bearer " + key})
    r = c.getresponse()
    out.append((r.status, r.getheader("Retry-After"), r.getheader("Content-Type"), r.read(),
                r.getheader("RateLimit-Policy"), r.getheader("RateLimit")))
    c.close()
# 100 requests in 2 s, round robin over the 5 keys: 10/s per key.
res, threads, t0 = [], [], time.time()
for i in range(100):
    while time.time() < t0 + i * 0.02:
        time.sleep(0.002)
    t = threading.Thread(target=get, args=(keys[i % 5], res))
    t.start()
    threads.append(t)
for t in threads:
    t.join()
codes = [r[0] for r in res]
spent = time.time() - t0
print("5 keys, 100 requests in %.1f s from one address: %d x 200, %d x 429" %
      (spent, codes.count(200), codes.count(429)))
assert codes.count(200) == 100, sorted(set(codes))
# One key, 150 requests at once: beyond rate + burst (15 + 40), 429.
res, threads = [], []
for i in range(150):
    t = threading.Thread(target=get, args=(keys[0], res))
    t.start()
    threads.append(t)
mine = []
get(other, mine)
for t in threads:
    t.join()
codes = [r[0] for r in res]
print("1 key, 150 requests at once: %d x 200, %d x 429; another key meanwhile: %d" %
      (codes.count(200), codes.count(429), mine[0][0]))
assert codes.count(429) > 0 and codes.count(200) + codes.count(429) == 150, sorted(set(codes))
assert codes.count(200) >= 40, codes.count(200)
assert mine[0][0] == 200, mine
for status, ra, ct, body, policy, limit in res:
    if status == 429:
        assert ra == "1" and ct.startswith("application/problem+json"), (ra, ct)
        assert json.loads(body)["status"] == 429
        # the IETF draft's fields: the key's policy (rate = 15 here), none left for 1 s
        assert policy == '"key";q=15;w=1' and limit == '"key";r=0;t=1', (policy, limit)
    else:
        assert policy is None and limit is None, (status, policy, limit)
print("1 key over its rate: %d x 429, each with Retry-After, RateLimit-Policy and RateLimit" % codes.count(429))
PY
cat "$T/rate.out" >>"$T/walk.log"
sleep 2	# let the key's bucket drain before the next requests

# --- times: RFC 3339 with Z, whatever the database's zone and date style ------
[ "$(api POST /v1/tasks "$KA" -H "$J" -d '{"title":"when","due":"2027-02-28"}')" = 201 ] || fail "create"
wid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
[ "$(api GET "/v1/tasks/$wid" "$KA")" = 200 ] || fail "get"
cp "$T/body" "$T/utc.json"
python3 - "$T/utc.json" <<'PY' || fail "times at UTC: $(cat "$T/utc.json")"
import json, re, sys
d = json.load(open(sys.argv[1]))
for k in ("created_at", "updated_at"):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d[k]), d
assert d["due"] == "2027-02-28", d
PY
psql -qc "ALTER DATABASE bootstack SET timezone = 'Europe/Paris'" \
    -c "ALTER DATABASE bootstack SET datestyle = 'SQL, DMY'" || fail "set the zone"
# What a session that does not set its own would print (SQL style: CET).
[ "$(psql -Atc "SELECT current_setting('TimeZone'), due::text, created_at::text ~ ' CES?T$' FROM tasks WHERE tenant_id = (SELECT id FROM tenants WHERE name = 'acme') AND id = $wid")" \
    = "Europe/Paris|28/02/2027|t" ] || fail "the database is not at Europe/Paris with DMY dates: $(psql -Atc \
    "SELECT current_setting('TimeZone'), due, created_at FROM tasks WHERE tenant_id = (SELECT id FROM tenants WHERE name = 'acme') AND id = $wid")"
api_stop
api_start
[ "$(api GET "/v1/tasks/$wid" "$KA")" = 200 ] || fail "get at Europe/Paris"
cmp -s "$T/body" "$T/utc.json" || fail "Europe/Paris changed the task: $(cat "$T/body") vs $(cat "$T/utc.json")"
echo "times: identical RFC 3339 Z strings at UTC and at Europe/Paris" >>"$T/walk.log"

# --- the upstream stage: the API stopped (502) --------------------------------
api_stop
walk noapi
"$BS_API_BIN" --routes >"$T/routes" || fail "--routes"
python3 "$BS_TOP_SRCDIR/tests/e2e/openapi-check.py" "$BS_TOP_SRCDIR/docs/openapi.json" "$T/routes" \
    --log "$T/nginx-access.log" >>"$T/walk.log" 2>&1 || fail "answers the OpenAPI document does not declare: \
$(tail -5 "$T/walk.log")"
grep -e 'nginx-errors' -e '^preconditions' -e '^times' -e '^openapi-check' -e 'key' "$T/walk.log" | cut -c1-400
grep -q '^FAIL' "$T/walk.log" && fail "$(grep -m3 FAIL "$T/walk.log")"
pass
