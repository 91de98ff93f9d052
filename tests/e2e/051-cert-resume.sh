#!/bin/bash
# 051-cert-resume.sh: a bad day at the CA must not cost an order. Real
# Pebble with a slow VA (its random sleep on, and fault-proxy.py delaying
# every HTTP-01 fetch by 3 s between Pebble and nginx) and a poll timeout
# of 1 s: the first run times out and leaves the challenge answerable, the
# validation passes after it, and the next run resumes the same order and
# issues: one order in all (counted by the proxy in front of Pebble).
# A 500 on the re-read of a saved (valid) order: the run fails, the order
# is kept, no new order; the next run installs it. A reload_command that
# fails once: status.json still names what nginx serves, `cert status`
# says "installed, not served", the cert_renew_failed alert fires; the next
# run (not due) reloads, nginx serves the new serial, the alert resolves.
# With [database] job_lock = database, a run whose lock's session ends
# before it writes stops with nothing installed, its order kept for the
# next run.
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

# --- item 2: a 500 on the saved order's re-read keeps the order ---------------
: >"$T/va.rules"
# A failing deploy test leaves a valid order saved (its certificate issued).
cert_config "test_command = false
reload_command = $NGX -s reload"
cert renew --force
[ "$rc" = 1 ] && echo "$err" | grep -q "test command 'false' failed" ||
    fail "the failing deploy test: rc $rc: $err"
[ -e "$T/state/www.order.json" ] || fail "no saved order after the failed deploy"
S1=$(file_serial)
N0=$(new_orders)
echo 'POST ^/my-order/ status:500 1' >"$T/acme.rules"
cert_config
cert renew
[ "$rc" = 1 ] || fail "the run with a 500 on the order exited $rc: $out"
echo "$err" | grep -q "serverInternal: injected by fault-proxy.py (HTTP 500); the saved order is kept for the next run" ||
    fail "the run with a 500 on the order said: $err"
[ -e "$T/state/www.order.json" ] && [ -e "$T/state/www.key.pending" ] ||
    fail "a 500 dropped the saved order"
[ "$(new_orders)" = "$N0" ] || fail "a 500 on the saved order placed a new order"
[ "$(file_serial)" = "$S1" ] || fail "the failed run changed the certificate"
cert renew
[ "$rc" = 0 ] || fail "the run after the 500 exited $rc: $err"
echo "$out" | grep -q "renewed (resuming a pending order)" || fail "no resume after the 500: $out"
[ "$(new_orders)" = "$N0" ] || fail "the resume placed a new order"
[ "$(file_serial)" != "$S1" ] || fail "the resumed order was not installed"
[ ! -e "$T/state/www.order.json" ] || fail "the order state is left after the install"
grep -q '^POST /my-order/.* -> 500' "$T/acme-proxy.log" || fail "the proxy injected no 500"
echo "# 500 on the saved order: new orders $(( $(new_orders) - N0 )) after it, installed next run"

# --- item 3: a reload that fails once: installed, not served, then served -------
tls_serve
S2=$(file_serial)
served_is "$S2" || fail "nginx serves $(served_serial), not $S2"
# reload_command fails while $T/reload-fail exists, once.
RELOAD="if [ -e $T/reload-fail ]; then rm -f $T/reload-fail; echo 'reload refused' >&2; exit 1; fi; $NGX -s reload"
cert_config "test_command = $NGX -t -q
reload_command = $RELOAD
$CERT_ALERTS"
touch "$T/reload-fail"
cert renew --force
[ "$rc" = 1 ] || fail "a failed reload exited $rc: $out"
echo "$err" | grep -q "reload command .* failed .*reload refused.*; the new certificate is installed but not served, the next run reloads again" ||
    fail "a failed reload said: $err"
S3=$(file_serial)
[ "$S3" != "$S2" ] || fail "the new certificate was not installed"
[ "$(served_serial)" = "$S2" ] || fail "nginx serves $(served_serial) without a reload"
[ "$(status_field deploy)" = reload-pending ] || fail "status deploy: $(status_field deploy)"
[ "$(status_field serial)" = "$S2" ] || fail "status.json says $(status_field serial) is served, nginx serves $S2"
[ "$(status_field installed.serial)" = "$S3" ] || fail "status.json does not name the installed $S3"
cert status
echo "$out" | grep -q "^www .* installed, not served (" || fail "cert status: $out"
"$BS_BIN" alert check >"$T/out" 2>"$T/err"
grep -q "^renew: firing: the last renewal of www failed .*not served" "$T/out" ||
    fail "alert check: $(cat "$T/out" "$T/err")"
# Not due, yet the owed reload is done, and the alert resolves.
cert renew
[ "$rc" = 0 ] || fail "the run after the failed reload exited $rc: $err"
echo "$out" | grep -q "^www: reloaded: the certificate an earlier run installed is served now" ||
    fail "the next run printed: $out"
echo "$out" | grep -q "^www: not due" || fail "the next run printed: $out"
served_is "$S3" || fail "after the owed reload nginx serves $(served_serial), not $S3"
[ "$(status_field deploy)" = served ] && [ "$(status_field serial)" = "$S3" ] ||
    fail "status after the reload: $(status_field deploy) $(status_field serial)"
cert status
echo "$out" | grep -q "^www .* ok (" || fail "cert status after the reload: $out"
"$BS_BIN" alert check >"$T/out" 2>"$T/err"
grep -q "^renew: resolved" "$T/out" || fail "alert check after the reload: $(cat "$T/out" "$T/err")"
echo "# failed reload: installed $S3 not served, alert fired; next run reloaded, alert resolved"

# --- item 4: the job's lock lost before the issuance writes ---------------------
# [database] job_lock = database: the run takes the lock, pauses (test
# hook BOOTSTACK_TEST_JOB_PAUSE), its backend is terminated (as a
# PostgreSQL restart or a failover would end it, when another host may
# take the lock), and it goes on: the order is placed and issued, and the
# check right before the first write stops it: exit 1, naming the lost
# lock, 0 files written, nginx still serving the old serial, the order
# kept. The next run (lock free) installs that order, placing none.
pg_start
cert_config "test_command = $NGX -t -q
reload_command = $NGX -s reload

$(db_ini 'job_lock = database')"
live() { stat -c '%n %i %s' "$LIVE"/{privkey,cert,chain,fullchain}.pem; }
f0=$(live)
N0=$(new_orders)
rm -f "$T/pause.held" "$T/pause.go"
at_exit "touch $T/pause.go"
BOOTSTACK_TEST_JOB_PAUSE=$T/pause "$BS_BIN" cert renew --force >"$T/lost.out" 2>"$T/lost.err" &
cpid=$!
job_lock_cut "cert renew" "$cpid" "$T/lost.err"
crc=0
wait "$cpid" || crc=$?
written=0
[ "$(live)" = "$f0" ] || written=$((written + 1))
echo "# lock's backend terminated before the writes: exit $crc, $((  $(new_orders) - N0 )) order placed, $written installs, nginx serves $(served_serial) (was $S3)"
grep -q "www: lost the job's lock 'bootstack job cert renew' in the database: its session ended" "$T/lost.err" && [ "$crc" = 1 ] \
    || fail "lock lost: exit $crc: $(cat "$T/lost.out" "$T/lost.err")"
[ "$written" = 0 ] && [ "$(file_serial)" = "$S3" ] && [ "$(served_serial)" = "$S3" ] \
    || fail "the run that lost its lock installed: $(live) (was $f0)"
[ "$(status_field result)" = failed ] || fail "status after the lost lock: $(status_field result)"
[ -e "$T/state/www.order.json" ] || fail "the run that lost its lock dropped its order"
N1=$(new_orders)
cert renew
[ "$rc" = 0 ] && echo "$out" | grep -q "renewed (resuming a pending order)" \
    || fail "the run after the lost lock: rc $rc: $out $err"
[ "$(new_orders)" = "$N1" ] || fail "the run after the lost lock placed an order"
served_is "$(file_serial)" || fail "nginx serves $(served_serial), not $(file_serial)"
echo "# the next run: resumed that order ($(( $(new_orders) - N1 )) new orders), nginx serves $(served_serial)"

pass
