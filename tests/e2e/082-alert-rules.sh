#!/usr/bin/env bash
# 082-alert-rules: the Prometheus rules shipped for operators who run
# Prometheus (dist/prometheus/bootstack-rules.yml) load (`promtool check
# rules`) and behave as tests/e2e/alert-rules.test.yml says (`promtool test
# rules`: the 5xx ratio, p95 latency, database down, API down and crash loop
# alerts fire when, and only when, they should). Also: the example config's
# rules are accepted by `bootstack alert status`, the cron entry names
# the command, and the example's cert_renew_failed rule is active when the
# status file says the endpoint serves another certificate.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || fail "promtool not installed (Debian package prometheus; ./stack deps)"
promtool check rules "$BS_TOP_SRCDIR/dist/prometheus/bootstack-rules.yml" >"$T/check.log" 2>&1 \
    || fail "promtool check rules: $(cat "$T/check.log")"
grep -q 'SUCCESS: 8 rules found' "$T/check.log" || fail "rules: $(cat "$T/check.log")"
# promtool resolves rule_files from the test file's folder.
(cd "$BS_TOP_SRCDIR/tests/e2e" && promtool test rules alert-rules.test.yml) >"$T/test.log" 2>&1 \
    || fail "promtool test rules: $(cat "$T/test.log")"

# docs/alerts.md's example rules are a valid configuration.
sed -n '/^<!-- example-config -->$/,/^<!-- \/example-config -->$/p' "$BS_TOP_SRCDIR/docs/alerts.md" |
    sed '1,2d;$d' | sed '$d' >"$BS_CONF"
grep -q '^\[alert ' "$BS_CONF" || fail "no example config found in docs/alerts.md"
# Its paths are the production defaults: every one the commands below
# could use goes to this test's folder (never /var/lib/bootstack).
if grep -q '^state_file = ' "$BS_CONF"; then
	sed -i "s|^state_file = .*|state_file = $T/alerts.json|" "$BS_CONF"
else
	printf '\n[alerts]\nstate_file = %s\n' "$T/alerts.json" >>"$BS_CONF"
fi
grep -q '^\[acme\]' "$BS_CONF" || printf '\n[acme]\nstate_dir = %s\n' "$T/acme" >>"$BS_CONF"
"$BS_BIN" check-config >"$T/cc.log" 2>&1 || fail "example config: $(cat "$T/cc.log")"
"$BS_BIN" alert status >"$T/status.log" 2>&1 || fail "example rules: $(cat "$T/status.log")"
grep -q '^last check: never' "$T/status.log" || fail "status: $(cat "$T/status.log")"
grep -q 'bootstack alert check' "$BS_TOP_SRCDIR/dist/bootstack-alert.cron" || fail "cron entry"

# The example's cert_renew_failed rule watches the live check too: a status
# file whose last run was fine but whose endpoint serves another serial
# (served_mismatch, a reload that did not take) makes it active.
{
	printf '[alerts]\nstate_file = %s\n\n[acme]\nstate_dir = %s\n\n' "$T/alerts2.json" "$T/acme2"
	sed -n '/^\[cert www\]$/,/^$/p;/^\[alert renew\]$/,/^$/p;/^\[alert cert\]$/,/^$/p' "$BS_CONF"
} >"$T/renew.conf"
grep -q '^kind = cert_renew_failed' "$T/renew.conf" || fail "no [alert renew] in the example: $(cat "$T/renew.conf")"
mkdir -p "$T/acme2"
# status RESULT CHECK SERVED-SERIAL MISMATCH [SERVED-NOT-AFTER]; the
# installed certificate lasts till 2099.
status() {
	printf '{"name":"www","result":"%s","error":null,"last_attempt":"2026-01-01T00:00:00Z","serial":"AA01","not_after":"2099-01-01T00:00:00Z","deploy":"served","served_check":"%s","served_endpoint":"127.0.0.1:443","served_serial":"%s","served_mismatch":%s,"served_not_after":"%s","served_checked_at":"2026-01-01T00:00:01Z"}\n' \
	    "$1" "$2" "$3" "$4" "${5:-2099-01-01T00:00:00Z}" >"$T/acme2/www.status.json"
}
# Its state after one check of the status file ($1 $2 $3 $4 of status()).
renew_state() {
	status "$@"
	"$BS_BIN" -c "$T/renew.conf" alert check >"$T/rc.out" 2>&1 || fail "alert check: $(cat "$T/rc.out")"
	"$BS_BIN" -c "$T/renew.conf" alert status >"$T/rc.all"
	grep '^renew ' "$T/rc.all" >"$T/rc.out"
}
renew_state not-due match AA01 false
grep -q ' inactive .*not-due' "$T/rc.out" || fail "served == installed: $(cat "$T/rc.out")"
renew_state not-due mismatch BB02 true
grep -q ' pending .*the certificate installed for www is not served: 127.0.0.1:443 serves serial BB02' "$T/rc.out" ||
    fail "served_mismatch: $(cat "$T/rc.out")"
renew_state not-due unreachable "" false
grep -q ' inactive ' "$T/rc.out" || fail "an unreachable endpoint fired: $(cat "$T/rc.out")"
grep -q '^cert .* inactive .*expires in' "$T/rc.all" || fail "cert_expiry on a 2099 certificate: $(cat "$T/rc.all")"
# Installed till 2099, but nginx serves one that ends in 2 days: cert_expiry
# watches what is served.
soon=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
renew_state not-due mismatch BB02 true "$soon"
grep -q "^cert .* firing .*the certificate www nginx serves expires in 2.0 days ($soon" "$T/rc.all" ||
    fail "cert_expiry on the served certificate: $(cat "$T/rc.all")"
echo "# live check: cert_renew_failed match inactive, mismatch active, unreachable inactive;" \
    "cert_expiry on the served certificate (2 days) rather than the installed one (2099)"
pass
