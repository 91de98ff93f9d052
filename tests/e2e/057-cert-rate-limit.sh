#!/bin/bash
# 057-cert-rate-limit.sh: a rateLimited reply (RFC 8555 6.6) honoured
# across cron runs, against tests/e2e/acme-server.py, whose control port
# makes the next newOrder answer 429 rateLimited with Retry-After: 3600.
#
# The first run fails saying so and when it may try again; status.json
# keeps that "not before". The runs before it (now, and a minute before
# it, run "later" with the test build's BS_TEST_CLOCK_SKEW) send the CA
# nothing at all (counted at the server: 0 requests), say so plainly and
# exit 0; cert status shows the date. The first run after it issues (one
# more newOrder) and the "not before" is gone. Counts printed.
. "$(dirname "$0")/lib.sh"
CERT_CA=acme-server
. "$(dirname "$0")/cert-lib.sh"
RETRY=3600
cert_config
ctl POST /set "{\"rate_limit\": {\"orders\": 1, \"retry_after\": $RETRY}}" >/dev/null ||
    fail "control port"

t0=$(date +%s)
cert renew
[ "$rc" = 1 ] || fail "the rate-limited run exited $rc: $out"
echo "$err" | grep -q "urn:ietf:params:acme:error:rateLimited: too many new orders .*(HTTP 429, retry after $RETRY s); rate limited: not retried before " ||
    fail "the rate-limited run said: $err"
until=$(status_field rate_limited_until)
[ -n "$until" ] || fail "status.json keeps no rate_limited_until"
[ "$(epoch "$until")" -ge $((t0 + RETRY)) ] && [ "$(epoch "$until")" -le $(( $(date +%s) + RETRY )) ] ||
    fail "rate_limited_until $until is not the Retry-After"
echo "$err" | grep -qF "not retried before $until" || fail "the error does not say $until: $err"
[ "$(ctl_count newOrder)" = 1 ] || fail "newOrder asked $(ctl_count newOrder) times"

# --- before the time (now, and a minute before it): nothing sent ----------------
requests=$(ctl_count requests)
runs=0
for skew in 0 $(( $(epoch "$until") - $(date +%s) - 60 )); do
	BS_TEST_CLOCK_SKEW=$skew cert renew
	[ "$rc" = 0 ] || fail "the run before the time (skew $skew s) exited $rc: $err"
	[ "$out" = "www: rate limited by the CA: not retried before $until (expires -)" ] ||
	    fail "the run before the time (skew $skew s) said: $out"
	runs=$((runs + 1))
done
sent=$(( $(ctl_count requests) - requests ))
[ "$sent" = 0 ] || fail "$runs runs before the time sent $sent requests to the CA"
"$BS_BIN" cert status www >"$T/status.out" || fail "cert status failed"
awk 'NR == 2 { print $4 }' "$T/status.out" | grep -qxF "$until" ||
    fail "cert status does not show the rate limit: $(cat "$T/status.out")"

# --- after it: issued ------------------------------------------------------------
BS_TEST_CLOCK_SKEW=$(( $(epoch "$until") - $(date +%s) + 1 )) cert renew
[ "$rc" = 0 ] || fail "the run after the time exited $rc: $err"
echo "$out" | grep -q "^www: renewed (files missing): serial " || fail "after the time: $out"
orders=$(ctl_count newOrder)
[ "$orders" = 2 ] || fail "newOrder asked $orders times, want 2"
[ -z "$(status_field rate_limited_until)" ] || fail "the rate limit outlived the issuance"

echo "# rate limit: newOrder asked $orders times (1 refused with 429 and Retry-After $RETRY s, 1 issued after it); requests from $runs runs before it: $sent"
pass
