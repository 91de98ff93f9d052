#!/usr/bin/env bash
# 041-nginx-https: the production nginx configuration (`bootstack nginx
# render` from the real templates) in front of bootstack-api, over HTTPS
# with a private CA: every declared name answers over HTTP/2, port 80
# redirects except ACME challenges, names nobody declared are refused,
# security headers and request ids, the limits (413, 429 and back with
# Retry-After, RateLimit-Policy and RateLimit over HTTP/2, a slow
# client dropped after 10 s), the API's own errors passing through, nginx's
# errors as problem+json (502, 504), /ops/ behind basic auth, /metrics open
# to loopback, the access log (parsed by GoAccess when it is installed).
# No PostgreSQL: /readyz answers the API's 503, which is what we want here.
. "$(dirname "$0")/lib.sh"

nginx_tls_prepare "rate = 50
burst = 100
anon_rate = 50
anon_burst = 100"
{
	api_config "request_timeout = 2"
	printf '[database]\nhost = %s/nopg\nconnect_timeout = 1\n\n' "$T"
	printf '%s\n' "$NGINX_TLS_INI"
} >"$BS_CONF"
"$BS_BIN" check-config >/dev/null || fail "config refused: $("$BS_BIN" check-config 2>&1)"
api_start
nginx_tls_start
P=$NGINX_HTTPS_PORT
HP=$NGINX_HTTP_PORT

# check_headers FILE WHAT: the security headers of one response.
check_headers() {
	local h=$1 what=$2
	grep -qi '^strict-transport-security: max-age=63072000; includeSubDomains' "$h" \
	    || fail "$what: no HSTS"
	grep -qi '^x-content-type-options: nosniff' "$h" || fail "$what: no nosniff"
	grep -qi '^x-frame-options: DENY' "$h" || fail "$what: no X-Frame-Options"
	grep -qi "^content-security-policy: default-src 'none'; frame-ancestors 'none'" "$h" \
	    || fail "$what: no CSP"
	grep -qi '^referrer-policy: no-referrer' "$h" || fail "$what: no Referrer-Policy"
	grep -qi '^cache-control: no-store' "$h" || fail "$what: no Cache-Control"
	[ "$(grep -ci '^x-request-id: [0-9a-f]\{32\}' "$h")" = 1 ] \
	    || fail "$what: not exactly one X-Request-ID"
	grep -qi '^server: nginx.\?$' "$h" || fail "$what: server banner: $(grep -i '^server:' "$h")"
}

# problem FILE STATUS [REQUEST_ID]: FILE is a problem document of STATUS.
problem() {
	python3 - "$@" <<'PY' || fail "not a $2 problem document: $(cat "$1")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["type"] == "about:blank" and d["status"] == int(sys.argv[2]), d
assert d["title"] and d["detail"], d
if len(sys.argv) > 3:
    assert d["request_id"] == sys.argv[3], d
PY
}

rid_of() { sed -n 's/^x-request-id: \([0-9a-f]*\).*/\1/Ip' "$1" | tr -d '\r'; }

# A slow client (headers never finished) is dropped after
# client_header_timeout (10 s); runs in the background, checked at the end.
python3 - "$NGINX_HTTPS_PORT" "$BS_CA" >"$T/slow.out" 2>&1 <<'PY' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
                    server_hostname="api.bootstack.test")
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: api.bootstack.test\r\n")
t0 = time.time()
s.settimeout(30)
try:
    data = s.recv(4096)
except (ssl.SSLError, OSError):
    data = b""
print("%.1f %d" % (time.time() - t0, len(data)))
PY
slow=$!

# --- every declared name, over HTTP/2 ---------------------------------------
for h in $BS_NAMES; do
	r=$(tls_curl -o "$T/body" -w '%{http_code} %{http_version}' "https://$h:$P/healthz")
	[ "$r" = "200 2" ] || fail "$h: $r"
	grep -q '"status":"ok"' "$T/body" || fail "$h: body $(cat "$T/body")"
done
[ "$(tls_status /healthz -D "$T/h")" = 200 ] || fail "healthz"
check_headers "$T/h" "200 from the API"

# The API's own errors pass through, with nginx's headers and one request id.
[ "$(tls_status /nope -D "$T/h")" = 404 ] || fail "unknown route not 404"
check_headers "$T/h" "404 from the API"
grep -qi '^content-type: application/problem+json' "$T/h" || fail "404 type"
rid=$(rid_of "$T/h")
problem "$T/body" 404 "$rid"
grep -q '"instance":"/nope"' "$T/body" || fail "404 is not the API's own"
grep -q " $rid\$" "$T/nginx-access.log" || fail "request id $rid not in the access log"
[ "$(tls_status /readyz -D "$T/h")" = 503 ] || fail "readyz without a database"
grep -qi '^retry-after: 1' "$T/h" || fail "the API's 503 lost Retry-After"
grep -q '"instance":"/readyz"' "$T/body" || fail "the API's 503 was replaced"

# --- port 80: redirect, except ACME challenges ------------------------------
r=$(tls_curl -o /dev/null -w '%{http_code} %{redirect_url}' \
    "http://api.bootstack.test:$HP/v1/tasks?limit=2")
[ "$r" = "308 https://api.bootstack.test:$P/v1/tasks?limit=2" ] || fail "redirect: $r"
r=$(tls_curl -o /dev/null -w '%{http_code}' -X POST -d x "http://localhost:$HP/v1/tasks")
[ "$r" = 308 ] || fail "POST over HTTP: $r"
tok=tok-$RANDOM$RANDOM
printf 'key-authorization\n' >"$T/www/acme/.well-known/acme-challenge/$tok"
r=$(tls_curl -o "$T/body" -w '%{http_code}' \
    "http://www.bootstack.test:$HP/.well-known/acme-challenge/$tok")
[ "$r" = 200 ] && [ "$(cat "$T/body")" = key-authorization ] || fail "ACME challenge: $r"
r=$(tls_curl -o "$T/body" -w '%{http_code}' \
    "http://www.bootstack.test:$HP/.well-known/acme-challenge/missing")
[ "$r" = 404 ] || fail "missing ACME token: $r (must not redirect)"
problem "$T/body" 404

# --- names nobody declared ---------------------------------------------------
tls_curl -o /dev/null "https://unknown.test:$P/healthz"
rc=$?
[ "$rc" = 35 ] || fail "unknown SNI: curl exit $rc, want 35 (handshake refused)"
curl -sk -o /dev/null "https://127.0.0.1:$P/healthz"
rc=$?
[ "$rc" = 35 ] || fail "no SNI: curl exit $rc, want 35"
r=$(tls_curl --http1.1 -o /dev/null -w '%{http_code}' -H 'Host: unknown.test' "$URL/healthz")
[ "$r" = 000 ] || fail "declared SNI, unknown Host: $r"
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: unknown.test' "http://127.0.0.1:$HP/")
[ "$r" = 000 ] || fail "port 80, unknown Host: $r"

# --- limits --------------------------------------------------------------------
head -c 65537 /dev/zero >"$T/big"
[ "$(tls_status /v1/tasks -D "$T/h" -X POST -H 'Content-Type: application/json' \
    --data-binary @"$T/big")" = 413 ] || fail "oversized body not 413"
grep -qi '^content-type: application/problem+json' "$T/h" || fail "413 type"
check_headers "$T/h" "413 from nginx"
problem "$T/body" 413 "$(rid_of "$T/h")"

# --- /ops/ behind basic authentication ---------------------------------------
printf 'correct horse battery\n' | "$BS_BIN" nginx password --user ops 2>"$T/pw.log" \
    || fail "nginx password: $(cat "$T/pw.log")"
[ "$(stat -c %a "$T/htpasswd")" = 640 ] || fail "htpasswd mode $(stat -c %a "$T/htpasswd")"
grep -q '^ops:\$' "$T/htpasswd" || fail "htpasswd: $(cat "$T/htpasswd")"
printf '<h1>ops</h1>\n' >"$T/www/ops/index.html"
[ "$(tls_status /ops/ -D "$T/h")" = 401 ] || fail "/ops/ without credentials"
grep -qi '^www-authenticate: Basic realm="bootstack ops"' "$T/h" || fail "401 without a challenge"
problem "$T/body" 401
[ "$(tls_status /ops/ -u ops:wrong)" = 401 ] || fail "/ops/ with a wrong password"
[ "$(tls_status /ops/ -u 'ops:correct horse battery' -D "$T/h")" = 200 ] \
    || fail "/ops/ with the password"
grep -q '<h1>ops</h1>' "$T/body" || fail "/ops/ body: $(cat "$T/body")"
grep -qi '^content-type: text/html' "$T/h" || fail "/ops/ type"
[ "$(tls_status /ops)" = 308 ] || fail "/ops not redirected"

# --- /metrics from loopback: reaches the API ----------------------------------
r=$(tls_status /metrics)
[ "$r" != 403 ] && [ "$r" != 000 ] || fail "/metrics refused from loopback: $r"

# --- the access log: one GoAccess-shaped line per request ---------------------
python3 - "$T/nginx-access.log" <<'PY' || fail "access log format"
import re, sys
pat = re.compile(r'^(\S+) (\S+) - (\S+) \[([^]]+)\] "([^"]*)" (\d{3}) (\d+) '
                 r'"([^"]*)" "([^"]*)" (\d+\.\d{3}) "([^"]*)" ([0-9a-f]{32})$')
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 15, len(lines)
for l in lines:
    m = pat.match(l)
    assert m, l
hosts = {pat.match(l).group(1) for l in lines}
assert "api.bootstack.test" in hosts and "localhost" in hosts, hosts
assert any(re.match(r'^\d+\.\d{3}$', pat.match(l).group(11)) for l in lines)
PY
if command -v goaccess >/dev/null; then
	goaccess "$T/nginx-access.log" --no-global-config \
	    --log-format='%v %h %^[%d:%t %^] "%r" %s %b "%R" "%u" %T "%^" %^' \
	    --date-format=%d/%b/%Y --time-format=%H:%M:%S -o "$T/report.json" \
	    >"$T/goaccess.log" 2>&1 || fail "goaccess could not parse the access log"
	python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["general"]; assert g["failed_requests"] == 0 and g["valid_requests"] >= 15, g' \
	    "$T/report.json" || fail "goaccess failed lines"
fi

# --- a burst beyond the rate: some 429, then normal again ----------------------
mkdir -p "$T/burst"
for i in $(seq 400); do
	printf 'url = "%s/healthz"\noutput = "%s/burst/%d"\n' "$URL" "$T" "$i"
done >"$T/burst.curl"
# Over HTTP/2, multiplexed (curl -Z: up to 20 streams on one connection).
# burst FILE.curl OUT [curl args]: one line per request, "CODE HTTP-VERSION
# FILE RETRY-AFTER CONTENT-TYPE X-REQUEST-ID RATELIMIT-POLICY RATELIMIT HSTS"
burst() {
	local cfg=$1 out=$2
	shift 2
	tls_curl --http2 -Z --parallel-max 20 -K "$cfg" "$@" -w '%{http_code} %{http_version} %{filename_effective} %header{retry-after} %header{content-type} %header{x-request-id} %header{ratelimit-policy} %header{ratelimit} %header{strict-transport-security}\n' \
	    >"$out" 2>"$out.err"
}
# ratelimit_429s OUT WHO: counts the 429s of OUT over HTTP/2 with
# Retry-After 1 and the draft's headers for WHO ("address" or "key", q=50);
# fails unless every 429 has them.
ratelimit_429s() {
	local n429 good
	n429=$(grep -c '^429 ' "$1")
	good=$(grep -c "^429 2 [^ ]* 1 application/problem+json [0-9a-f]\{32\} \"$2\";q=50;w=1 \"$2\";r=0;t=1 max-age=" "$1")
	echo "# 429 over HTTP/2 ($2): $good of $n429 with Retry-After 1, RateLimit-Policy \"$2\";q=50;w=1 and RateLimit \"$2\";r=0;t=1"
	[ "$n429" -gt 0 ] && [ "$good" = "$n429" ] \
	    || fail "429s over HTTP/2 without the RateLimit headers: $(grep '^429 ' "$1" | grep -v "\"$2\";r=0;t=1 " | head -3)"
}
burst "$T/burst.curl" "$T/burst.out"
n200=$(grep -c '^200 ' "$T/burst.out")
n429=$(grep -c '^429 ' "$T/burst.out")
[ "$n429" -gt 0 ] || fail "no 429 in a burst of 400 ($n200 passed)"
[ "$n200" -ge 100 ] || fail "the burst allowance was not honoured ($n200 passed)"
[ $((n200 + n429)) = 400 ] || fail "burst: $(cut -d' ' -f1 "$T/burst.out" | sort | uniq -c)"
[ "$(grep -vc '^[0-9]* 2 ' "$T/burst.out")" = 0 ] || fail "not all over HTTP/2: $(cut -d' ' -f2 "$T/burst.out" | sort | uniq -c)"
read -r code ver file ra ct rid pol lim hsts <<<"$(grep -m1 '^429 ' "$T/burst.out")"
[ "$ra" = 1 ] || fail "429 without Retry-After: 1"
[ "$ct" = application/problem+json ] || fail "429 type: $ct"
[ -n "$hsts" ] || fail "429 without the security headers"
problem "$file" 429 "$rid"
ratelimit_429s "$T/burst.out" address
sleep 1.2
[ "$(tls_status /healthz)" = 200 ] || fail "not normal again after the burst"
# The same with an API key's prefix (nginx counts it unchecked): the key's policy.
burst "$T/burst.curl" "$T/kburst.out" -H "Authorization: Bearer bsk_h2test01_notasecret"
ratelimit_429s "$T/kburst.out" key
sleep 1.2

# --- the API stuck, then gone: 504, 502 as problem+json ----------------------
pids="$API_PID $(api_workers)"
kill -STOP $pids
t0=$(date +%s%N)
r=$(tls_status /healthz -D "$T/h" --max-time 10)
kill -CONT $pids
[ "$r" = 504 ] || fail "stuck API: $r, want 504"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || fail "504 took too long"
grep -qi '^content-type: application/problem+json' "$T/h" || fail "504 type"
problem "$T/body" 504 "$(rid_of "$T/h")"
api_stop
[ "$(tls_status /healthz -D "$T/h")" = 502 ] || fail "API stopped: not 502"
wait "$slow"
read -r secs got <"$T/slow.out" || fail "slow client: $(cat "$T/slow.out")"
[ "$got" = 0 ] && [ "${secs%.*}" -ge 9 ] && [ "${secs%.*}" -le 14 ] \
    || fail "slow client: closed after ${secs}s with $got bytes, want 10 s and none"
grep -qi '^content-type: application/problem+json' "$T/h" || fail "502 type"
check_headers "$T/h" "502 from nginx"
problem "$T/body" 502 "$(rid_of "$T/h")"
grep -q '"title":"Bad Gateway"' "$T/body" || fail "502 title"
pass
