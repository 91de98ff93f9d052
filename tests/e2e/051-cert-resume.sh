#!/bin/bash
# 051-cert-resume.sh: a bad day at the CA must not cost an order. Real
# Pebble with a slow VA (its random sleep on, and fault-proxy.py delaying
# every HTTP-01 fetch by 3 s between Pebble and nginx) and a poll timeout
# of 1 s: the first run times out and leaves the challenge answerable, the
# validation passes after it, and the next run resumes the same order and
# issues: one order in all (counted by the proxy in front of Pebble).
. "$(dirname "$0")/lib.sh"
CERT_VA_PROXY=1 CERT_ACME_PROXY=1
. "$(dirname "$0")/cert-lib.sh"
pebble_stop
pebble_start PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=2

CHALLENGES=$T/webroot/.well-known/acme-challenge
challenge_fetches() { grep -c '^GET /.well-known/acme-challenge/.* -> 200' "$T/va-proxy.log" 2>/dev/null; }

# --- item 1: a timed-out run, then the resume ----------------------------------
echo 'GET ^/\.well-known/acme-challenge/ delay:3' >"$T/va.rules"
POLL_TIMEOUT=1 cert_config
cert renew
[ "$rc" = 1 ] || fail "the slow-VA run exited $rc (want 1: timed out): $out $err"
echo "$err" | grep -q "still pending after 1 s; the next run resumes it" ||
    fail "the slow-VA run said: $err"
[ -e "$T/state/www.order.json" ] || fail "the timed-out run dropped its order"
ORDER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$T/state/www.order.json")
n=$(ls "$CHALLENGES" | wc -l)
[ "$n" = 2 ] || fail "the timed-out run left $n challenge files, not 2 (answerable)"
# The CA validates after the run is gone: the files answer it.
two_fetched() { [ "$(challenge_fetches)" -ge 2 ]; }
wait_for 600 two_fetched ||
    fail "Pebble's VA never got the challenges: $(cat "$T/va-proxy.log")"
grep -q '^GET /.well-known/acme-challenge/.* -> 404' "$T/va-proxy.log" &&
    fail "a challenge answered 404 to the CA: $(cat "$T/va-proxy.log")"
POLL_TIMEOUT=60 cert_config
"$BS_BIN" -v cert renew >"$T/out" 2>"$T/err" || fail "the resuming run failed: $(grep -v debug "$T/err")"
grep -q "renewed (files missing)" "$T/out" || fail "the resuming run printed: $(cat "$T/out")"
grep -q "resuming order $ORDER " "$T/err" || fail "the order $ORDER was not resumed: $(grep -v debug "$T/err")"
[ "$(new_orders)" = 1 ] || fail "$(new_orders) orders placed, want 1"
[ -z "$(ls -A "$CHALLENGES")" ] || fail "challenge files left after the issuance: $(ls "$CHALLENGES")"
[ ! -e "$T/state/www.order.json" ] || fail "the order state is left after success"
echo "# slow VA: new orders 1, challenge fetches answered $(challenge_fetches), 404s 0"

pass
