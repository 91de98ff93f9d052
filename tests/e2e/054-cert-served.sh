#!/bin/bash
# 054-cert-served.sh: status.json says what nginx really serves, checked
# with a TLS handshake on the live endpoint ([cert NAME] check_endpoint;
# real nginx, real Pebble).
#
# (b) Nothing listens on the endpoint yet (the first issuance, then a
#     dead port): the run exits 0 and says "unreachable", in its output,
#     in status.json and in `cert status`.
# (c) nginx serves the installed certificate: served_serial == the file's,
#     after a renewal and on a run with nothing due.
# (a) A reload_command that exits 0 and does nothing (`true`): the run
#     fails, status.json keeps the deploy reload-pending with
#     served_mismatch and the old serial nginx still serves, `cert status`
#     says "installed, not served (nginx serves SERIAL)", the
#     cert_renew_failed alert fires. The next run with a working reload,
#     nothing due, reloads and clears it: served == installed, resolved.
#     A mismatch found by a run where nothing was pending (nginx put back
#     on the old files behind bootstack's back) is reloaded the same way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cert-lib.sh"


# --- (b) the first issuance: nginx has no HTTPS server yet --------------------------
cert_config "test_command = $NGX -t -q
reload_command = $NGX -s reload
$CERT_ALERTS"
cert renew
[ "$rc" = 0 ] || fail "first issuance exited $rc: $err"
echo "$out" | grep -q "^www: renewed .*; cannot check what 127.0.0.1:$TLS_PORT serves (unreachable)" ||
    fail "first issuance said: $out"
[ "$(status_field served_check)" = unreachable ] || fail "served_check $(status_field served_check)"
status_field served_error | grep -q "Connection refused" || fail "served_error: $(status_field served_error)"
[ "$(status_field served_mismatch)" = false ] || fail "unreachable counted as a mismatch"
unreach=1

# --- (c) nginx serves it: served == installed -----------------------------------------
tls_serve
S1=$(file_serial)
served_is "$S1" || fail "nginx serves $(served_serial), not $S1"
cert renew
[ "$rc" = 0 ] || fail "not-due run exited $rc: $err"
echo "$out" | grep -q "^www: not due .*; 127.0.0.1:$TLS_PORT serves it" || fail "not-due run said: $out"
[ "$(status_field served_check)" = match ] && [ "$(status_field served_serial)" = "$S1" ] &&
    [ "$(status_field serial)" = "$S1" ] || fail "status: served $(status_field served_check) $(status_field served_serial), serial $(status_field serial), file $S1"
[ "$(status_field served_not_after)" = "$(status_field not_after)" ] || fail "served_not_after $(status_field served_not_after) != $(status_field not_after)"
cert renew --force
[ "$rc" = 0 ] || fail "--force exited $rc: $err"
S2=$(file_serial)
[ "$S2" != "$S1" ] && [ "$(status_field served_serial)" = "$S2" ] && [ "$(status_field served_check)" = match ] ||
    fail "after --force: file $S2, status served $(status_field served_serial) ($(status_field served_check))"
served_is "$S2" || fail "nginx serves $(served_serial), not $S2"
cert status
echo "$out" | grep -q "^www .* ok (.*) *yes " || fail "cert status: $out"
matched=2

# --- (b) again: a dead port is said, not failed -----------------------------------
DEAD=$(free_port)
CHECK_ENDPOINT=127.0.0.1:$DEAD cert_config "test_command = $NGX -t -q
reload_command = $NGX -s reload
$CERT_ALERTS"
cert renew
[ "$rc" = 0 ] || fail "an unreachable endpoint failed the run: $rc $err"
[ "$(status_field served_check)" = unreachable ] && [ "$(status_field served_endpoint)" = "127.0.0.1:$DEAD" ] ||
    fail "status: $(status_field served_check) $(status_field served_endpoint)"
cert status
[ "$rc" = 0 ] || fail "cert status exited $rc"
echo "$out" | grep -q "^www .* unreachable " && echo "$out" | grep -q "cannot check what 127.0.0.1:$DEAD serves: connect" ||
    fail "cert status with a dead endpoint: $out"
unreach=$((unreach + 1))

# --- (a) a reload that exits 0 and does nothing -------------------------------------
cert_config "test_command = $NGX -t -q
reload_command = true
$CERT_ALERTS"
cert renew --force
[ "$rc" = 1 ] || fail "a reload that did not take exited $rc: $out"
S3=$(file_serial)
[ "$S3" != "$S2" ] || fail "no new certificate installed"
[ "$(served_serial)" = "$S2" ] || fail "nginx serves $(served_serial), want the old $S2"
echo "$err" | grep -q "reloaded, but 127.0.0.1:$TLS_PORT serves serial $S2 .*not the installed $S3: the reload did not take" ||
    fail "the run said: $err"
[ "$(status_field deploy)" = reload-pending ] && [ "$(status_field installed.serial)" = "$S3" ] ||
    fail "status: deploy $(status_field deploy), installed $(status_field installed.serial)"
[ "$(status_field served_mismatch)" = true ] && [ "$(status_field served_serial)" = "$S2" ] && [ "$(status_field serial)" = "$S2" ] ||
    fail "status: mismatch $(status_field served_mismatch), served $(status_field served_serial), serial $(status_field serial)"
cert status
echo "$out" | grep -q "^www .* installed, not served (nginx serves $S2) *NO " || fail "cert status: $out"
"$BS_BIN" alert check >"$T/out" 2>"$T/err"
grep -q "^renew: firing: .*not take" "$T/out" || fail "alert check: $(cat "$T/out" "$T/err")"
fired=1
# The next run, reload fixed, nothing due: reloaded, served, resolved.
cert_config "test_command = $NGX -t -q
reload_command = $NGX -s reload
$CERT_ALERTS"
cert renew
[ "$rc" = 0 ] || fail "the run after the reload that did not take exited $rc: $err"
echo "$out" | grep -q "^www: reloaded" && echo "$out" | grep -q "^www: not due .* serves it" ||
    fail "the next run said: $out"
served_is "$S3" || fail "nginx serves $(served_serial), not $S3"
[ "$(status_field deploy)" = served ] && [ "$(status_field served_serial)" = "$S3" ] && [ "$(status_field serial)" = "$S3" ] &&
    [ "$(status_field served_mismatch)" = false ] ||
    fail "status: deploy $(status_field deploy), served $(status_field served_serial), serial $(status_field serial)"
"$BS_BIN" alert check >"$T/out" 2>"$T/err"
grep -q "^renew: resolved" "$T/out" || fail "alert check after the fix: $(cat "$T/out" "$T/err")"

# --- nginx back on the old files behind bootstack's back: found, reloaded -----------
cp "$LIVE/fullchain.pem" "$T/new-full.pem"; cp "$LIVE/privkey.pem" "$T/new-key.pem"
cp "$LIVE/fullchain.pem.prev" "$LIVE/fullchain.pem"; cp "$LIVE/privkey.pem.prev" "$LIVE/privkey.pem"
ngx_reload || fail "nginx reload failed"
served_is "$S2" || fail "nginx did not take the old files"
cp "$T/new-full.pem" "$LIVE/fullchain.pem"; cp "$T/new-key.pem" "$LIVE/privkey.pem"
cert status
echo "$out" | grep -q "^www .* installed, not served (nginx serves $S2)" || fail "cert status: $out"
[ "$(status_field served_mismatch)" = true ] || fail "cert status did not record the mismatch"
cert renew
[ "$rc" = 0 ] && echo "$out" | grep -q "^www: reloaded" || fail "the run on a mismatch: rc $rc, $out $err"
served_is "$S3" && [ "$(status_field served_serial)" = "$S3" ] || fail "after it: nginx $(served_serial), status $(status_field served_serial)"
fixed=2

echo "# served checks: unreachable $unreach (exit 0), match $matched, mismatch found $fired" \
    "by a run + 1 by cert status, fixed by the next run $fixed; serials: old $S2 served" \
    "while $S3 installed, then $S3 == $(status_field served_serial)"
pass
