#!/bin/bash
# 053-cert-dry-run.sh: `cert renew --dry-run` places a real order and
# deploys nothing. Pebble stands for [acme] staging_directory while
# directory_url points at a port where nothing listens, so a run that
# succeeds can only have used the staging directory; fault-proxy.py in
# front of Pebble counts the orders.
#
# After a real issuance, a dry run (the certificate not due): one new
# order, a new serial printed, the directory named; every file under the
# live folder and the status file unchanged (checksums and mtimes), no
# saved order, the reload command not run, nginx still serving the old
# serial. --same-ca: the dry run goes to directory_url (here: nothing
# there) and fails naming it, still changing nothing. --same-ca alone
# is bad usage.
. "$(dirname "$0")/lib.sh"
CERT_ACME_PROXY=1
. "$(dirname "$0")/cert-lib.sh"
DEAD=https://127.0.0.1:$(free_port)/dir
cert_config "test_command = $NGX -t -q
reload_command = echo reload >>$T/reloads; $NGX -s reload"
cert renew
[ "$rc" = 0 ] || fail "first issuance exited $rc: $err"
S1=$(file_serial)
tls_serve
served_is "$S1" || fail "nginx does not serve $S1"
[ "$(wc -l <"$T/reloads")" = 1 ] || fail "reloads after the issuance: $(cat "$T/reloads")"
# From now on the real CA is gone; Pebble is the staging directory.
sed -i "s|^directory_url = .*|directory_url = $DEAD\nstaging_directory = $ACME_URL|" "$BS_CONF"

snapshot() {
	( cd "$T/state" && find live -type f -print0 | sort -z | xargs -0 sha256sum &&
	    find live www.status.json -printf '%p %T@ %s\n' | sort )
}
snapshot >"$T/before"
orders=$(new_orders)
cert renew --dry-run
[ "$rc" = 0 ] || fail "dry run exited $rc: $out $err"
echo "$out" | head -1 | grep -qF "dry run: test orders at $ACME_URL ([acme] staging_directory)" ||
    fail "the dry run did not say its directory: $out"
S2=$(echo "$out" | sed -n 's/^www: dry run: ordered, validated and issued: serial \([^,]*\),.*nothing installed$/\1/p')
[ -n "$S2" ] || fail "dry run printed: $out"
[ "$S2" != "$S1" ] || fail "the dry run printed the installed serial"
placed=$(( $(new_orders) - orders ))
[ "$placed" = 1 ] || fail "the dry run placed $placed orders, not 1"
snapshot >"$T/after"
changed=$(diff "$T/before" "$T/after" | grep -c '^>')
[ "$changed" = 0 ] || fail "the dry run changed $changed files: $(diff "$T/before" "$T/after")"
[ ! -e "$T/state/www.order.json" ] && [ ! -e "$T/state/www.key.pending" ] ||
    fail "the dry run saved an order"
[ "$(wc -l <"$T/reloads")" = 1 ] || fail "the dry run reloaded nginx"
[ "$(served_serial)" = "$S1" ] || fail "nginx serves $(served_serial) after the dry run, not $S1"
ls "$T/webroot/.well-known/acme-challenge/" 2>/dev/null | grep -q . &&
    fail "the dry run left challenge files"

# --- --same-ca: directory_url itself (nothing there: a clear failure) ----------
cert renew --dry-run --same-ca
[ "$rc" = 1 ] || fail "--same-ca with a dead directory_url exited $rc: $out"
echo "$out" | head -1 | grep -qF "dry run: test orders at $DEAD (the same CA, --same-ca)" ||
    fail "--same-ca did not say its directory: $out"
echo "$err" | grep -qF "(dry run at $DEAD)" || fail "--same-ca error: $err"
snapshot >"$T/after2"
changed2=$(diff "$T/before" "$T/after2" | grep -c '^>')
[ "$changed2" = 0 ] || fail "the failed dry run changed $changed2 files"
cert renew --same-ca
[ "$rc" = 2 ] || fail "--same-ca without --dry-run exited $rc"

echo "# dry run: orders placed $placed, files changed $changed (then $changed2 after a failed one), reloads 0"
pass
