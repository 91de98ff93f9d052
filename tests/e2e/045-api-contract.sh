#!/usr/bin/env bash
# 045-api-contract: the API's contract as a client sees it through the
# production nginx configuration (`bootstack nginx render`), over HTTPS,
# HTTP/1.1 and HTTP/2, with PostgreSQL: every error nginx makes itself is
# a problem document, at every stage of a request (request line, headers,
# access, body, upstream), never nginx's HTML (tests/e2e/nginx-errors.py
# walks the malformed requests; rawhttp.py sends what curl cannot).
. "$(dirname "$0")/lib.sh"

pg_start
nginx_tls_prepare
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

# --- the upstream stage: the API stopped (502) --------------------------------
api_stop
walk noapi
grep 'nginx-errors' "$T/walk.log"
grep -q '^FAIL' "$T/walk.log" && fail "$(grep -m3 FAIL "$T/walk.log")"
pass
