#!/bin/bash
# 056-cert-ari.sh: ARI (RFC 9773) across cron runs, against
# tests/e2e/acme-server.py (Debian's Pebble 2.4 has no renewalInfo).
#
# After an issuance the CA suggests a window two to three days ahead,
# with Retry-After: 3600. Two renew runs and two cert status runs print
# the same date, one point drawn in the window, the one status.json and
# NAME.ari.json hold; renewalInfo is asked once. Then the CA moves the
# window into the past (as before a revocation): runs before the
# Retry-After has passed (now, and a minute before it, run "later" with
# the test build's BS_TEST_CLOCK_SKEW) do not ask, so they keep the old
# decision; the first run after it asks, finds the new window, and renews
# at once, the order naming the certificate it replaces. Counts printed.
. "$(dirname "$0")/lib.sh"
CERT_CA=acme-server
. "$(dirname "$0")/cert-lib.sh"
RETRY=3600
cert_config
ari_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
	    "$T/state/www.ari.json" "$1"
}
asks() { ctl_count renewalInfo; }

cert renew
[ "$rc" = 0 ] || fail "first issuance exited $rc: $err"
[ "$(asks)" = 0 ] || fail "an issuance for missing files asked renewalInfo"
start=$(( $(date +%s) + 2 * 86400 ))
ctl POST /set "{\"ari_retry_after\": $RETRY, \"window\": {\"start\": \"$(iso $start)\", \"end\": \"$(iso $((start + 86400)))\"}}" >/dev/null ||
    fail "control port"

# --- one decision, kept --------------------------------------------------------
cert renew
[ "$rc" = 0 ] || fail "run 1 exited $rc: $err"
P=$(renew_from)
[ -n "$P" ] || fail "run 1 printed: $out"
[ "$(epoch "$P")" -ge "$start" ] && [ "$(epoch "$P")" -le $((start + 86400)) ] ||
    fail "the renewal date $P is outside the CA's window"
ask_after=$(epoch "$(ari_field ask_after)")
cert renew
[ "$rc" = 0 ] || fail "run 2 exited $rc: $err"
[ "$(renew_from)" = "$P" ] || fail "run 2 drew again: $(renew_from), run 1 $P"
s1=$(status_next)
s2=$(status_next)
[ "$s1" = "$P" ] && [ "$s2" = "$P" ] || fail "cert status says $s1, $s2; renew $P"
[ "$(status_field next_renewal)" = "$P" ] || fail "status.json next_renewal $(status_field next_renewal), renew $P"
[ "$(ari_field pick)" = "$P" ] || fail "www.ari.json pick $(ari_field pick), renew $P"
asked_kept=$(asks)
[ "$asked_kept" = 1 ] || fail "renewalInfo asked $asked_kept times in two runs, want 1"

# --- the window moves; the Retry-After is honoured ------------------------------
ctl POST /set "{\"window\": {\"start\": \"$(iso $(( $(date +%s) - 3600 )))\", \"end\": \"$(iso $(( $(date +%s) - 60 )))\"}}" >/dev/null
runs=0
for skew in 0 $((ask_after - $(date +%s) - 60)); do
	BS_TEST_CLOCK_SKEW=$skew cert renew
	[ "$rc" = 0 ] && [ "$(renew_from)" = "$P" ] ||
	    fail "before the Retry-After (skew $skew s) the decision changed: $out $err"
	runs=$((runs + 1))
done
asked_before=$(( $(asks) - asked_kept ))
[ "$asked_before" = 0 ] || fail "renewalInfo asked $asked_before times before its Retry-After"
S1=$(file_serial)
id1=$(ctl GET /certs | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["ari_id"])')
# The first run after it asks again and renews in the new window.
BS_TEST_CLOCK_SKEW=$((ask_after - $(date +%s) + 1)) \
cert renew
[ "$rc" = 0 ] || fail "the run after the Retry-After exited $rc: $err"
echo "$out" | grep -q "^www: renewed (in the CA's renewal window (ARI)): serial " ||
    fail "the run after the Retry-After: $out"
[ "$(asks)" = 2 ] || fail "renewalInfo asked $(asks) times, want 2"
[ "$(file_serial)" != "$S1" ] || fail "not renewed"
replaces=$(ctl GET /orders | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["payload"].get("replaces", "-"))')
[ "$replaces" = "$id1" ] || fail "the order replaces '$replaces', not $id1"

echo "# ari: renewalInfo asked $asked_kept time in 2 runs (Retry-After $RETRY s), $asked_before in $runs runs before it while the window moved, 1 after; runs agreeing on $P: 2 renew + 2 status; renewed in the moved window replacing $id1"
pass
