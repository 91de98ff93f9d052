#!/usr/bin/env bash
# 081-alert-api: `bootstack alert check` over the live API's /metrics (through
# nginx) and a certificate status file, with a local webhook receiver.
#
# A certificate with 5 days left (made with openssl, its status file written
# as `cert renew` writes it) fires at once, is not repeated before its
# repeat interval and is repeated after it; a burst of real 503s (PostgreSQL
# stopped under an authenticated route) fires the 5xx rule from the
# difference of two scrapes, while the p95 rule stays quiet; stopping the
# API (nginx answers 502) fires api_down and resolves when it is back; a
# daemon restart (counters reset) does not fire the 5xx rule. The live page
# passes `promtool check metrics`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alert-lib.sh"

command -v promtool >/dev/null || fail "promtool not installed (Debian package prometheus; ./stack deps)"

pg_start
API_LOG_LEVEL=info
receiver_start

# The certificate: 5 days left, and the status file `cert renew` would write.
mkdir -p "$T/acme"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/acme/www.key" -out "$T/acme/www.pem" -days 5 \
    -subj "/CN=www.example.test" >"$T/openssl.log" 2>&1 || fail "openssl"
not_after=$(date -u -d "$(openssl x509 -in "$T/acme/www.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$T/acme/www.status.json" <<JSON
{
  "name": "www",
  "names": ["www.example.test"],
  "last_attempt": "$now",
  "result": "not-due",
  "error": null,
  "last_success": "$now",
  "last_renewal": "$now",
  "not_before": "$now",
  "not_after": "$not_after",
  "serial": "01",
  "next_renewal": "$now",
  "cert_file": "$T/acme/www.pem"
}
JSON

write_config "$(api_config)
[alerts]
state_file = $T/alerts.json
hostname = testbox
webhook_url = http://127.0.0.1:$RPORT/hook
repeat = 3600
timeout = 5
metrics_url = http://api.example.test:PORT/metrics

[acme]
state_dir = $T/acme

[cert www]
names = www.example.test

[alert cert_www]
kind = cert_expiry
cert = www
threshold = 14
repeat = 60

[alert errors]
kind = http_5xx_ratio
threshold = 10%
min_requests = 20
window = 300
severity = critical

[alert slow]
kind = http_p95
threshold = 2
min_requests = 5

[alert api]
kind = api_down
severity = critical

[alert loop]
kind = crash_loop"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
nginx_start
# The scrape goes to a name, connected to loopback as in production.
sed -i "s|^metrics_url = .*|metrics_url = http://api.example.test:$NGINX_PORT/metrics\nmetrics_address = 127.0.0.1|" "$BS_CONF"
"$BS_BIN" tenant create acme >/dev/null || fail "tenant create"
KEY=$("$BS_BIN" key create --tenant acme --scope write) || fail "key create"

curl -sf "$URL/metrics" >"$T/metrics.txt" || fail "no /metrics"
promtool check metrics <"$T/metrics.txt" >"$T/promtool.log" 2>&1 || fail "promtool check metrics: $(cat "$T/promtool.log")"

# --- the certificate fires at once; repeat respected ---------------------------
# The interval is 60 s so that a loaded machine (CI runs scripts side by
# side) still fits the two checks below inside it; the pause after them is
# measured from the first notice, not a fixed sleep.
check
fired=$(date +%s)	# the notice's fired_at is at most this
[ "$rc" = 0 ] || fail "first check exited $rc: $err"
echo "$out" | grep -q '^cert_www: firing: the certificate www expires in \(5\.0\|4\.9\) days' || fail "cert: $out"
[ "$(received)" = 1 ] || fail "$(received) messages, want 1"
[ "$(hook 1 '[(x["name"], x["status"], x["repeat"]) for x in a]')" = "[('cert_www', 'firing', False)]" ] \
    || fail "first message: $(sed -n 1p "$HOOK_LOG")"
"$BS_BIN" alert status >"$T/status"
grep -q '^errors .* inactive .*waiting for a second scrape$' "$T/status" || fail "status: $(cat "$T/status")"
# A check that ends inside the interval must not repeat; on a machine so
# loaded that a check ends past it, a repeat is right and is not held
# against it (the first check after the notice always ends inside it).
inside=0
for i in 1 2; do
	for j in $(seq 30); do curl -s -o /dev/null "$URL/healthz"; done
	check
	[ "$rc" = 0 ] || fail "check exited $rc: $err"
	[ $(( $(date +%s) - fired )) -lt 60 ] || break
	inside=$((inside + 1))
	[ "$(received)" = 1 ] || fail "repeated before its interval: $(received) ($(( $(date +%s) - fired )) s after the first)"
done
[ "$inside" -ge 1 ] || fail "no check ended inside the 60 s interval ($(( $(date +%s) - fired )) s)"
echo "# repeat: $inside checks inside the interval, $(received) message"
grep -q '^errors .* inactive .*0\.0% of [0-9]* requests answered 5xx' <("$BS_BIN" alert status) \
    || fail "errors status: $("$BS_BIN" alert status)"
left=$(( fired + 61 - $(date +%s) ))
[ "$left" -le 0 ] || sleep "$left"
check
[ "$(received)" = 2 ] || fail "not repeated after its interval: $(received)"
[ "$(hook 2 '[(x["name"], x["repeat"]) for x in a]')" = "[('cert_www', True)]" ] \
    || fail "repeat message: $(sed -n 2p "$HOOK_LOG")"
hook 2 'd["text"]' | grep -q '^STILL FIRING \[warning\] cert_www (cert_expiry)' || fail "repeat text"

# --- a burst of 503s fires the 5xx rule -----------------------------------------
pg_stop
codes=""
for i in $(seq 40); do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/v1/tasks")"
done
pg_resume
[ "$(echo $codes | tr ' ' '\n' | grep -c '^503$')" -ge 30 ] || fail "not 503s: $codes"
check
[ "$rc" = 0 ] || fail "check exited $rc: $err"
echo "$out" | grep -q '^errors: firing: [0-9.]*% of [0-9]* requests answered 5xx in the last ' || fail "errors: $out"
! echo "$out" | grep -q '^slow:' || fail "p95 moved: $out"
n=$(received)
[ "$(hook "$n" '[x["name"] for x in a if x["name"] == "errors"]')" = "['errors']" ] \
    || fail "errors message: $(tail -1 "$HOOK_LOG")"
[ "$(hook "$n" '[x["severity"] for x in a if x["name"] == "errors"][0]')" = critical ] || fail "severity"
hook "$n" '[x["value"] for x in a if x["name"] == "errors"][0] > 0.1' | grep -q True || fail "ratio value"

# --- the API stops: nginx answers 502, api_down fires; back: resolved ------------
api_stop
check
[ "$rc" = 0 ] || fail "check exited $rc: $err"
echo "$out" | grep -q '^api: firing: cannot scrape /metrics: GET http://api.example.test:[0-9]*/\.\.\.: HTTP 502' \
    || fail "api_down: $out"
grep -q '^errors .* firing ' <("$BS_BIN" alert status) || fail "errors lost its state while unknown"
api_start
check
echo "$out" | grep -q '^api: resolved: /metrics answers' || fail "api not resolved: $out"
n=$(received)
[ "$(hook "$n" '[(x["name"], x["status"]) for x in a]')" = "[('api', 'resolved')]" ] \
    || fail "api resolved message: $(tail -1 "$HOOK_LOG")"

# --- after the restart the counters start again: a reset, not a negative rate ------
for i in $(seq 30); do curl -s -o /dev/null "$URL/healthz"; done
check
[ "$rc" = 0 ] || fail "check exited $rc: $err"
grep -q '^errors .* firing .* [0-9][0-9]\.[0-9]% of [0-9]* requests answered 5xx' <("$BS_BIN" alert status) \
    || fail "errors after the restart: $("$BS_BIN" alert status)"
grep -q '^loop .* inactive .*0 worker crash restarts' <("$BS_BIN" alert status) \
    || fail "crash loop status: $("$BS_BIN" alert status)"
python3 - "$T/alerts.json" <<'PY' || fail "state file"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and d["rules"]["cert_www"]["state"] == "firing", d["rules"]
assert 2 <= len(d["scrapes"]) <= 10, len(d["scrapes"])
assert "bootstack_http_requests_total" in d["scrapes"][-1]["series"]
assert "bootstack_db_up" not in d["scrapes"][-1]["series"]
PY
pass
