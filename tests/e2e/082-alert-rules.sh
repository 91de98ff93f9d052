#!/usr/bin/env bash
# 082-alert-rules: the Prometheus rules shipped for operators who run
# Prometheus (dist/prometheus/bootstack-rules.yml) load (`promtool check
# rules`) and behave as tests/e2e/alert-rules.test.yml says (`promtool test
# rules`: the 5xx ratio, p95 latency, database down, API down and crash loop
# alerts fire when, and only when, they should). Also: the example config's
# rules are accepted by `bootstack alert status`, and the cron entry names
# the command.
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
pass
