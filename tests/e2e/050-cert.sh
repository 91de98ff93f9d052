#!/bin/bash
# 050-cert.sh: `bootstack cert renew|status` against a real ACME server:
# Pebble + pebble-challtestsrv (its DNS: every *.test name is 127.0.0.1)
# and a real nginx that serves the HTTP-01 webroot and the certificate.
#
# First issuance through the webroot, nginx then serves that serial and the
# chain verifies against Pebble's root; a second run does nothing; --force
# gives a new serial (previous files kept as .prev); two concurrent runs:
# the second exits 75 "locked"; a failing `nginx -t` puts the old files
# back and the next run resumes the still-valid order; 50% of nonces
# rejected still issues; Pebble stopped: a clear error, exit 1, the old
# certificate untouched and still served, the status file says failed;
# an IP address certificate (RFC 8738), check-config refusing an IP with
# dns-01 and a plain-http directory off this machine; revocation with a
# reason signed by the certificate's key (Pebble says Revoked, reason 4),
# cert status says so, the next run replaces it; a CA that requires
# external account binding (EAB, kid + HMAC key file).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cert-lib.sh"
cert_config

# --- before anything: status and dry run ---------------------------------------
cert status
[ "$rc" = 0 ] || fail "status before issuance exited $rc: $err"
echo "$out" | grep -q "^www .*missing.*never" || fail "status before issuance: $out"
cert renew --dry-run --same-ca
[ "$rc" = 0 ] && echo "$out" | grep -q "^www: dry run: ordered, validated and issued: serial " ||
    fail "dry run: rc $rc, $out $err"
[ ! -e "$LIVE" ] || fail "the dry run wrote files"

# --- first issuance, HTTP-01 through nginx's webroot --------------------------
cert renew
[ "$rc" = 0 ] || fail "first issuance exited $rc: $err"
echo "$out" | grep -q "^www: renewed (files missing): serial " || fail "first issuance printed: $out"
for f in cert.pem chain.pem fullchain.pem privkey.pem; do
	[ -s "$LIVE/$f" ] || fail "$f not written"
done
[ "$(stat -c %a "$LIVE/privkey.pem")" = 600 ] || fail "privkey.pem is not 0600"
[ "$(stat -c %a "$T/state/account.key")" = 600 ] || fail "account.key is not 0600"
grep -q 'GET /.well-known/acme-challenge/' "$T/nginx-access.log" ||
    fail "Pebble did not fetch the challenge through nginx"
[ -z "$(ls -A "$T/webroot/.well-known/acme-challenge")" ] || fail "challenge files left behind"
[ "$(status_field result)" = ok ] || fail "status file result: $(status_field result)"
[ -n "$(status_field not_after)" ] || fail "status file has no not_after"
openssl x509 -in "$LIVE/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:www.example.test, DNS:example.test' ||
    fail "certificate names: $(openssl x509 -in "$LIVE/cert.pem" -noout -ext subjectAltName)"
S1=$(file_serial)
[ "$(status_field serial)" = "$S1" ] || fail "status file serial: '$(status_field serial)', want $S1"
[ "$(status_field deploy)" = served ] || fail "status file deploy: $(status_field deploy)"

tls_serve
served_is "$S1" || fail "nginx serves $(served_serial), not $S1"
openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername www.example.test \
    -CAfile "$T/root.pem" -verify_return_error </dev/null >"$T/verify.log" 2>&1 ||
    fail "the served chain does not verify against Pebble's root"
grep -q 'Verify return code: 0 (ok)' "$T/verify.log" || fail "chain verification: $(grep Verify "$T/verify.log")"
openssl verify -CAfile "$T/root.pem" -untrusted "$LIVE/chain.pem" "$LIVE/cert.pem" >/dev/null ||
    fail "cert.pem + chain.pem do not verify"

# --- second run: nothing to do ----------------------------------------------
cert renew
[ "$rc" = 0 ] || fail "second run exited $rc: $err"
echo "$out" | grep -q "^www: not due (expires " || fail "second run printed: $out"
[ "$(file_serial)" = "$S1" ] || fail "second run changed the certificate"
cert status
echo "$out" | grep -q "^www .* not-due (" || fail "status after a no-op run: $out"

# --- --force: a new serial, the old files kept as .prev -----------------------
cert renew --force
[ "$rc" = 0 ] || fail "--force exited $rc: $err"
S2=$(file_serial)
[ "$S2" != "$S1" ] || fail "--force kept serial $S1"
served_is "$S2" || fail "after --force nginx serves $(served_serial), not $S2"
[ "$(openssl x509 -in "$LIVE/cert.pem.prev" -noout -serial | cut -d= -f2)" = "$S1" ] ||
    fail "cert.pem.prev is not the previous certificate"

# --- two runs at once: the second one exits "locked" ---------------------------
# A's test command runs while A holds renew.lock: it says so ($T/a.held)
# and waits for $T/a.go (60 s at most), so B starts only once A holds
# the lock, however slow the machine, and A lets go only after B is done.
rm -f "$T/a.held" "$T/a.go"
cert_config "test_command = touch $T/a.held; for i in \$(seq 600); do test -e $T/a.go && break; sleep 0.1; done; $NGX -t -q
reload_command = $NGX -s reload"
"$BS_BIN" cert renew --force >"$T/a.out" 2>"$T/a.err" &
A=$!
at_exit "touch $T/a.go"
wait_for 600 test -e "$T/a.held" || fail "the first run never reached its test command: $(cat "$T/a.out" "$T/a.err")"
cert renew --force
touch "$T/a.go"
[ "$rc" = 75 ] || fail "the concurrent run exited $rc (want 75): $out $err"
echo "$err" | grep -q "locked by another run" || fail "the concurrent run said: $err"
wait "$A" || fail "the first of two concurrent runs failed: $(cat "$T/a.err")"
echo "# two runs at once: the second, started while the first held renew.lock, exited $rc (locked); the first renewed"
S3=$(file_serial)
served_is "$S3" || fail "after the concurrent runs nginx serves $(served_serial), not $S3"

# --- nginx -t fails: the previous files come back, nginx keeps serving ---------
printf 'events {}\nhttp { this is not nginx; }\n' >"$T/nginx/broken.conf"
cert_config "test_command = nginx -t -q -c $T/nginx/broken.conf -e $T/nginx-error.log
reload_command = $NGX -s reload"
cert renew --force
[ "$rc" = 1 ] || fail "a failing nginx -t exited $rc: $out"
echo "$err" | grep -q "test command .* failed .*the previous files were put back" ||
    fail "a failing nginx -t said: $err"
[ "$(file_serial)" = "$S3" ] || fail "the files were not restored"
openssl x509 -in "$LIVE/fullchain.pem" -noout -serial | grep -q "$S3" || fail "fullchain.pem not restored"
openssl x509 -in "$LIVE/cert.pem" -noout -pubkey >"$T/p1"
openssl pkey -in "$LIVE/privkey.pem" -pubout >"$T/p2"
cmp -s "$T/p1" "$T/p2" || fail "the restored key does not match the restored certificate"
[ "$(served_serial)" = "$S3" ] || fail "nginx stopped serving $S3"
[ "$(status_field result)" = failed ] || fail "status file after a failed deploy: $(status_field result)"
# The order stays valid: the next run installs it without a new order.
cert_config
cert renew
[ "$rc" = 0 ] || fail "the run after a failed deploy exited $rc: $err"
echo "$out" | grep -q "renewed (resuming a pending order)" || fail "no resume: $out"
S4=$(file_serial)
[ "$S4" != "$S3" ] || fail "the resumed order did not install"
served_is "$S4" || fail "after the resume nginx serves $(served_serial), not $S4"
[ ! -e "$T/state/www.order.json" ] && [ ! -e "$T/state/www.key.pending" ] ||
    fail "order state left after success"

# --- half the nonces rejected: still issues -----------------------------------
pebble_stop
pebble_start PEBBLE_WFE_NONCEREJECT=50
"$BS_BIN" -v cert renew --force >"$T/out" 2>"$T/err" ||
    fail "with PEBBLE_WFE_NONCEREJECT=50: exit $?: $(grep -v '"debug"' "$T/err")"
grep -q 'badNonce, retrying' "$T/err" || fail "no badNonce was retried (did Pebble reject any?)"
S5=$(file_serial)
served_is "$S5" || fail "nginx serves $(served_serial), not $S5"

# --- an IP address: an "ip" identifier (RFC 8738), HTTP-01 --------------------
cat >>"$BS_CONF" <<CONF

[cert ip]
names = 127.0.0.1, www.example.test
webroot = $T/webroot
test_command = $NGX -t -q
reload_command = $NGX -s reload
CONF
cert renew ip
[ "$rc" = 0 ] || fail "the IP certificate: exit $rc: $err"
openssl x509 -in "$T/state/live/ip/cert.pem" -noout -ext subjectAltName >"$T/ip-san" 2>&1
grep -q "IP Address:127.0.0.1" "$T/ip-san" && grep -q "DNS:www.example.test" "$T/ip-san" ||
    fail "the IP certificate's names: $(cat "$T/ip-san")"
cert status ip
echo "$out" | grep -q "^ip .* ok (.*127.0.0.1,www.example.test" || fail "status of the IP certificate: $out"
# check-config: no IP with dns-01; http:// only to this machine.
sed -e "s|^directory_url = .*|directory_url = http://ca.example/dir|" "$BS_CONF" >"$T/bad.conf"
printf '\n[cert ipdns]\nnames = 127.0.0.1\nchallenge = dns-01\n' >>"$T/bad.conf"
"$BS_BIN" -c "$T/bad.conf" check-config >"$T/cc.out" 2>&1 && fail "check-config accepted $(cat "$T/bad.conf")"
grep -q "\[cert ipdns\] challenge: '127.0.0.1' is an IP address, which dns-01 cannot prove" "$T/cc.out" ||
    fail "check-config on an IP with dns-01: $(cat "$T/cc.out")"
grep -q "\[acme\] directory_url: 'http://ca.example/dir'" "$T/cc.out" ||
    fail "check-config on an http:// directory: $(cat "$T/cc.out")"
sed -i -e "s|^directory_url = .*|directory_url = http://127.0.0.1:$ACME_PORT/dir|" "$T/bad.conf"
"$BS_BIN" -c "$T/bad.conf" check-config >"$T/cc.out" 2>&1
grep -q "directory_url" "$T/cc.out" && fail "check-config refused a loopback http:// directory: $(cat "$T/cc.out")"
sed -i '/^\[cert ip\]/,$d' "$BS_CONF"

# --- revocation with a reason, signed by the certificate's key; replaced -------
S6=$(file_serial)
cert revoke www --reason bogus
[ "$rc" = 1 ] && echo "$err" | grep -q "unknown revocation reason 'bogus'" ||
    fail "a bad reason: rc $rc: $err"
cert revoke www --reason superseded --cert-key
[ "$rc" = 0 ] || fail "cert revoke exited $rc: $err"
echo "$out" | grep -q "^www: revoked .* (superseded, signed with the certificate key); the next cert renew replaces it" ||
    fail "cert revoke printed: $out"
hex=$(echo "$S6" | tr 'A-F' 'a-f' | sed 's/^0*//')
curl -sf --cacert "$T/pki/ca.pem" "https://127.0.0.1:$MGMT_PORT/cert-status-by-serial/$hex" >"$T/revoked.json" ||
    fail "Pebble does not know serial $hex"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["Status"]=="Revoked" and d["Reason"]==4 else 1)' "$T/revoked.json" ||
    fail "Pebble's view of $S6: $(cat "$T/revoked.json")"
cert status www
echo "$out" | grep -q "^www .* revoked: superseded (" || fail "cert status after the revocation: $out"
cert renew
[ "$rc" = 0 ] || fail "the run after the revocation exited $rc: $err"
echo "$out" | grep -q "^www: renewed (revoked): serial " || fail "the revoked certificate was not replaced: $out"
S7=$(file_serial)
[ "$S7" != "$S6" ] || fail "still the revoked serial"
served_is "$S7" || fail "after the replacement nginx serves $(served_serial), not $S7"
cert renew
echo "$out" | grep -q "^www: not due" || fail "the replacement is renewed again: $out"

# --- the CA is down: a clear error, nothing touched, status says failed -------
pebble_stop
cp "$LIVE/fullchain.pem" "$T/before.pem"
cert renew --force
[ "$rc" = 1 ] || fail "with Pebble stopped: exit $rc"
echo "$err" | grep -q "^bootstack cert: www: GET https://127.0.0.1:$ACME_PORT/dir: .*" ||
    fail "with Pebble stopped, stderr: $err"
[ "$(echo "$err" | wc -l)" = 1 ] || fail "more than one error line: $err"
cmp -s "$T/before.pem" "$LIVE/fullchain.pem" || fail "the certificate changed while the CA was down"
[ "$(served_serial)" = "$S7" ] || fail "nginx stopped serving $S7"
[ "$(status_field result)" = failed ] || fail "status file result: $(status_field result)"
status_field error | grep -q "/dir" || fail "status file error: $(status_field error)"
[ -n "$(status_field not_after)" ] || fail "status file lost not_after"
cert status
echo "$out" | grep -q "^www .* failed (" || fail "status after a failure: $out"

# --- a CA that wants an external account binding -------------------------------
EAB_KEY=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
sed -e 's/"externalAccountBindingRequired": false}}/"externalAccountBindingRequired": true,\
 "externalAccountMACKeys": {"kid-1": "'"$EAB_KEY"'"}}}/' "$T/pebble.json" >"$T/pebble-eab.json"
PEBBLE_CONF=$T/pebble-eab.json pebble_start
sed -i "s|^state_dir = .*|state_dir = $T/state-eab|" "$BS_CONF"
# nginx serves state/live, not state-eab/live: nothing to check it against.
sed -i "s|^check_endpoint = .*|check_endpoint = none|" "$BS_CONF"
cert renew
[ "$rc" = 1 ] && echo "$err" | grep -q "requires an external account binding" ||
    fail "without EAB: rc $rc: $err"
( umask 077; printf '%s\n' "$EAB_KEY" >"$T/eab.key" )
sed -i "s|^state_dir = .*|state_dir = $T/state-eab\neab_kid = kid-1\neab_hmac_key_file = $T/eab.key|" "$BS_CONF"
cert renew
[ "$rc" = 0 ] || fail "with EAB: exit $rc: $err"
"$BS_BIN" check-config --dump | grep -q "eab_hmac_key = (secret)" || fail "the EAB key is not hidden"

pass
