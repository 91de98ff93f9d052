#!/bin/bash
# 063-dns-propagation.sh: the propagation policy. A working nameserver
# (pebble-challtestsrv, fed by the Dynadot double 2 s after each write)
# among broken ones (tests/e2e/dns-broken.py: one refusing, one silent, one
# answering SERVFAIL, one lame): the sync succeeds once broken_after has
# passed, names each broken server with its fault, and does not wait for
# propagation_timeout. All broken: the run fails at broken_after with one
# line naming every server, not after propagation_timeout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dns-lib.sh"

cts_start
double_start "$CTS_URL" 2
python3 "$BS_TOP_SRCDIR/tests/e2e/dns-broken.py" --port-file "$T/broken.ports" \
    --log "$T/broken.log" refuse silent servfail lame 2>>"$T/broken.log" &
BROKEN_PID=$!
at_exit 'kill $BROKEN_PID; wait $BROKEN_PID'
wait_for 100 test -s "$T/broken.ports" || fail "the broken nameservers did not start"
port() { awk -v m="$1" '$1 == m { print $2 }' "$T/broken.ports"; }
REFUSE=127.0.0.1:$(port refuse)
SILENT=127.0.0.1:$(port silent)
SERVFAIL=127.0.0.1:$(port servfail)
LAME=127.0.0.1:$(port lame)

# conf NAMESERVERS IPV4
conf() {
	cat >"$BS_CONF" <<CONF
[dns]
zone = example.test
hosts = www
ipv4 = $2
ttl = 300
nameservers = $1
propagation_timeout = 120
propagation_interval = 1
query_timeout = 1
broken_after = 5
snapshot_dir = $T/dns

$(dynadot_section 5 1)
CONF
}


double_ctl zone '{"domain":"example.test","ttl":300,
 "main":[["mx","mail.example.test","10"]],"sub":[["www","a","198.51.100.7"]]}' >/dev/null
double_ctl flush '{}' >/dev/null

# --- one working server among four broken ones: success, the broken named ------
conf "$CTS_DNS $REFUSE $SILENT $SERVFAIL $LAME" 192.0.2.10
bs dns sync
echo "# 1 working + 4 broken: exit $rc after $secs s (broken_after 5, propagation_timeout 120)"
[ "$rc" = 0 ] || fail "one working nameserver among broken ones: exit $rc: $err"
echo "$out" | grep -q "^visible on 1 nameserver after " || fail "not visible: $out"
line=$(echo "$out" | grep "^warning: 4 broken nameservers not waited for:") ||
    fail "the broken ones are not named: $out"
echo "$line" | grep -qF "$REFUSE: www.example.test a: answered REFUSED" || fail "refusing server: $line"
echo "$line" | grep -qF "$SERVFAIL: www.example.test a: answered SERVFAIL" || fail "SERVFAIL server: $line"
echo "$line" | grep -qF "$SILENT: www.example.test a: no answer (timeout)" || fail "silent server: $line"
echo "$line" | grep -qF "$LAME: www.example.test a: lame: refers to other servers" || fail "lame server: $line"
echo "$out" | grep -q "(1 lagging, 4 broken" || fail "the rounds do not tell lagging from broken: $out"
[ "$secs" -lt 120 ] || fail "the broken servers held the run $secs s"
grep -qxF "www a 192.0.2.10" <(zone_dump) || fail "the sync did not write"

# --- every server broken: a clear failure at broken_after -------------------------
conf "$REFUSE $SILENT $SERVFAIL $LAME" 192.0.2.11
bs dns sync
echo "# 4 broken, none working: exit $rc after $secs s (broken_after 5, propagation_timeout 120)"
[ "$rc" = 1 ] || fail "no working nameserver: exit $rc: $err"
echo "$err" | grep -q "^bootstack dns: example.test: no working nameserver (4 broken after 5 s, 0 without a route from here): " ||
    fail "no working nameserver said: $err"
for s in "$REFUSE" "$SILENT" "$SERVFAIL" "$LAME"; do
	echo "$err" | grep -q "no working nameserver.*$s: " || fail "$s is not named: $err"
done
echo "$err" | grep -q "not visible after 120 s" && fail "it waited for propagation_timeout: $err"
[ "$secs" -lt 120 ] || fail "all broken held the run $secs s"
leaks=$(key_leaks)
[ -z "$leaks" ] || fail "the API key appears in: $leaks"
pass
