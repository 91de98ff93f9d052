#!/bin/bash
# 060-dns-sync.sh: `bootstack dns sync|restore|show` against the Dynadot test
# double (tests/e2e/dynadot-double.py), which publishes its zone into a real
# DNS server (pebble-challtestsrv) 2 s after each change, so the propagation
# check really waits.
#
# --dry-run prints the exact diff and writes nothing; the first sync writes
# it in one set_dns2 and waits for the nameserver; a second sync changes
# nothing; the operator's own records (MX, TXT, CNAME, forward, A) survive
# every write; a snapshot restores the zone exactly; a zone with a record
# type bootstack does not know is refused, untouched; provider failures
# mid-change (an error reply, a write applied differently, HTTP 500,
# system_busy, an answer that never comes) lose nothing, name the cause and
# exit non-zero, or are retried; a propagation timeout names the lagging
# server and the next run finishes the wait; the API key appears nowhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dns-lib.sh"

cts_start
double_start "$CTS_URL" 2

cat >"$BS_CONF" <<CONF
[dns]
zone = example.test
hosts = @ www *
ipv4 = 192.0.2.10
ipv6 = 2001:db8::10
ttl = 300
nameservers = $CTS_DNS
propagation_timeout = 15
propagation_interval = 1
query_timeout = 1
snapshot_dir = $T/dns
lock_timeout = 30

$(dynadot_section 2 2)

[dns_record spf]
name = @
type = TXT
value = "v=spf1 a mx -all"

[dns_record docs]
name = docs
type = CNAME
value = www.example.test.
CONF


# --- the operator's zone, as Dynadot holds it before bootstack ------------------
SEED='{"domain":"example.test","ttl":3600,
 "main":[["a","198.51.100.1"],["mx","mail.example.test","10"],
         ["txt","google-site-verification=abc123"]],
 "sub":[["www","a","198.51.100.7"],["mail","a","198.51.100.25"],
        ["blog","cname","example.net"],["_dmarc","txt","v=DMARC1; p=none"],
        ["go","forward","https://example.org/","1"]]}'
double_ctl zone "$SEED" >/dev/null || fail "cannot seed the double"
double_ctl flush '{}' >/dev/null
zone_dump >"$T/zone.seed"
# What must survive every write (the A of www and @ are bootstack's to set).
OPERATOR="@ mx mail.example.test 10
@ txt google-site-verification=abc123
_dmarc txt v=DMARC1; p=none
blog cname example.net
go forward https://example.org/ 1
mail a 198.51.100.25"
operator_kept() {
	zone_dump >"$T/zone.now"
	echo "$OPERATOR" | while IFS= read -r line; do
		grep -qxF "$line" "$T/zone.now" || { echo "lost: $line"; return 1; }
	done
}

# --- --dry-run: the exact diff, nothing written ------------------------------------
calls_reset
bs dns sync --dry-run
[ "$rc" = 0 ] || fail "dry run exited $rc: $err"
cat >"$T/diff.want" <<'DIFF'
example.test: 11 changes (dry run: nothing written)
- @ A 198.51.100.1
+ @ A 192.0.2.10
+ @ AAAA 2001:db8::10
+ @ TXT "v=spf1 a mx -all"
+ * A 192.0.2.10
+ * AAAA 2001:db8::10
+ docs CNAME www.example.test.
- www A 198.51.100.7
+ www A 192.0.2.10
+ www AAAA 2001:db8::10
~ TTL 3600 -> 300
DIFF
diff -u "$T/diff.want" "$T/run-$n.out" >"$T/diff.log" || fail "dry run diff: $(cat "$T/diff.log")"
[ "$(set_dns2_calls)" = 0 ] || fail "the dry run wrote"
zone_dump | cmp -s - "$T/zone.seed" || fail "the dry run changed the zone"
[ -z "$(ls "$T/dns"/example.test-*.json 2>/dev/null)" ] || fail "the dry run took a snapshot"
[ -e "$T/dns/sync.status.json" ] && fail "the dry run wrote a status file"

# --- first sync: one write, then a real wait for the nameserver -----------------
calls_reset
start=$(date +%s%N)
bs dns sync
[ "$rc" = 0 ] || fail "first sync exited $rc: $err"
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
sed -n '2,12p' "$T/run-$n.out" | cmp -s - <(sed -n '2,12p' "$T/diff.want") ||
    fail "the sync's diff differs from the dry run's: $out"
head -n 1 "$T/run-$n.out" | grep -qx "example.test: 11 changes" || fail "sync header: $out"
echo "$out" | grep -q "^example.test: written (the zone before is in $T/dns/example.test-.*\.json)$" ||
    fail "no snapshot named: $out"
echo "$out" | grep -q "^waiting for 1 of 1 nameserver" || fail "the sync did not wait: $out"
echo "$out" | grep -q "^visible on 1 nameserver after " || fail "not visible: $out"
[ "$elapsed" -ge 1500 ] || fail "visible after ${elapsed} ms, before the double published"
[ "$(set_dns2_calls)" = 1 ] || fail "the sync made $(set_dns2_calls) set_dns2 calls, want 1"
operator_kept || fail "the first sync dropped an operator record"
for r in "@ a 192.0.2.10" "@ aaaa 2001:db8::10" "@ txt v=spf1 a mx -all" "* a 192.0.2.10" \
    "www a 192.0.2.10" "www aaaa 2001:db8::10" "docs cname www.example.test." "ttl 300"; do
	grep -qxF "$r" "$T/zone.now" || fail "after the sync the zone lacks $r"
done
grep -q "^www a 198.51.100.7" "$T/zone.now" && fail "www's old address is still there"
SNAP1=$(echo "$out" | sed -n 's/^example.test: written (the zone before is in \(.*\))$/\1/p')
[ "$(stat -c %a "$SNAP1")" = 600 ] || fail "the snapshot is not 0600"
[ "$(stat -c %a "$T/dns")" = 700 ] || fail "the snapshot folder is not 0700"
zone_dump >"$T/zone.synced"

# --- second sync: nothing to do -------------------------------------------------
calls_reset
bs dns sync
[ "$rc" = 0 ] || fail "second sync exited $rc: $err"
head -n 1 "$T/run-$n.out" | grep -qx "example.test: no change" || fail "second sync: $out"
[ "$(set_dns2_calls)" = 0 ] || fail "the second sync wrote"
bs dns show
[ "$rc" = 0 ] && echo "$out" | grep -qx "go FORWARD https://example.org/ 1" ||
    fail "dns show: $rc $out $err"

# --- the snapshot restores the zone exactly ---------------------------------------
bs dns restore "$SNAP1"
[ "$rc" = 0 ] || fail "restore exited $rc: $err"
zone_dump | cmp -s - "$T/zone.seed" || fail "the restored zone differs: $(zone_dump | diff "$T/zone.seed" -)"
echo "$out" | grep -q "^visible on 1 nameserver" || fail "restore did not wait: $out"
bs dns sync --no-wait
[ "$rc" = 0 ] || fail "sync after the restore exited $rc: $err"
zone_dump | cmp -s - "$T/zone.synced" || fail "sync after restore: $(zone_dump | diff "$T/zone.synced" -)"
double_ctl flush '{}' >/dev/null

# --- provider failures mid-change: nothing lost -------------------------------------
# (the next changes: www moves, and a new host)
sed -i 's/^ipv4 = 192.0.2.10$/ipv4 = 192.0.2.20/' "$BS_CONF"
# 1. An error reply to set_dns2: Dynadot's own words, exit 1, zone untouched.
double_ctl fault '{"command":"set_dns2","mode":"error","message":"Invalid value for sub_record1","count":1}' >/dev/null
calls_reset
bs dns sync
[ "$rc" = 1 ] || fail "an error reply exited $rc"
echo "$err" | grep -q "^bootstack dns: example.test: dynadot set_dns2 example.test: Dynadot says: Invalid value for sub_record1; nothing was changed; the zone before this change is in $T/dns/example.test-.*\.json" ||
    fail "an error reply said: $err"
[ "$(echo "$err" | wc -l)" = 1 ] || fail "more than one error line: $err"
[ "$(set_dns2_calls)" = 1 ] || fail "a permanent error was retried"
zone_dump | cmp -s - "$T/zone.synced" || fail "the failed write changed the zone"

# 2. The provider applies something else than asked: caught by the read
#    back, which must equal the plan exactly; the zone as it was (the
#    snapshot's) is written back at once, exit 1, the snapshot named.
double_ctl fault '{"command":"set_dns2","mode":"drop_record","count":1}' >/dev/null
calls_reset
bs dns sync --no-wait
[ "$rc" = 1 ] || fail "a mangled write exited $rc"
echo "$err" | grep -q "the zone read back differs from what was written (.*); restored the zone as it was from $T/dns/example.test-.*\.json$" ||
    fail "a mangled write said: $err"
SNAP2=$(echo "$err" | sed -n 's/.*restored the zone as it was from \([^ ]*\.json\)$/\1/p')
[ -f "$SNAP2" ] || fail "no snapshot file in: $err"
echo "# mangled write: exit $rc, writes sent $(set_dns2_calls) (the write and the restore), records lost $(zone_dump | diff "$T/zone.synced" - | grep -c '^<')"
[ "$(set_dns2_calls)" = 2 ] || fail "a mangled write: $(set_dns2_calls) writes, want the write and the restore"
zone_dump | cmp -s - "$T/zone.synced" || fail "the restore after a mangled write: $(zone_dump | diff "$T/zone.synced" -)"

# 3. Passing failures are retried: HTTP 500 on set_dns2, system_busy on
#    get_dns, and a set_dns2 that is applied but never answered.
double_ctl fault '{"command":"get_dns","mode":"busy","count":1}' >/dev/null
double_ctl fault '{"command":"set_dns2","mode":"http500","count":1}' >/dev/null
double_ctl fault '{"command":"set_dns2","mode":"apply_then_timeout","seconds":3,"count":1}' >/dev/null
bs dns sync
[ "$rc" = 0 ] || fail "passing failures were not retried: $err"
echo "$err" | grep -q "get_dns example.test: Dynadot says: status system_busy, code -1 (Dynadot is busy: .*); retrying in 1 s" ||
    fail "no retry of system_busy: $err"
echo "$err" | grep -q "set_dns2 example.test: HTTP 500; retrying" || fail "no retry of HTTP 500: $err"
echo "$err" | grep -qi "set_dns2 example.test: .*timed out.*; retrying" || fail "no retry of a timeout: $err"
operator_kept || fail "a retried write dropped an operator record"
grep -qxF "www a 192.0.2.20" "$T/zone.now" || fail "the retried sync did not land"
grep -q "^www a 192.0.2.10" "$T/zone.now" && fail "www has two addresses"
zone_dump >"$T/zone.synced"

# --- a read is complete or it is an error ---------------------------------------
# Each partial get_dns (a list absent, null, another type; settings with only
# Type) used to read as "no records", and the write deleted them. Now: refused,
# the field named, 0 writes, 0 records lost. (A change is pending meanwhile.)
sed -i 's/^ipv4 = 192.0.2.20$/ipv4 = 192.0.2.21/' "$BS_CONF"
# lost: records of $1 (a zone_dump) the double no longer holds.
lost() { zone_dump | diff "$1" - | grep -c '^<'; }
for shape in no_main:MainDomains no_sub:SubDomains null_main:MainDomains \
    null_sub:SubDomains sub_string:SubDomains type_only:MainDomains; do
	field=${shape#*:}
	shape=${shape%%:*}
	double_ctl fault "{\"command\":\"get_dns\",\"mode\":\"partial\",\"shape\":\"$shape\",\"count\":1}" >/dev/null
	calls_reset
	bs dns sync --no-wait
	w=$(set_dns2_calls)
	l=$(lost "$T/zone.synced")
	echo "# partial read $shape: exit $rc, writes sent $w, records lost $l"
	[ "$rc" != 0 ] && [ "$w" = 0 ] && [ "$l" = 0 ] ||
	    fail "partial read $shape: exit $rc, $w writes, $l records lost: $err"
	echo "$err" | grep -q "^bootstack dns: example.test: refusing to rewrite the zone: get_dns: .*$field.*a partial read$" ||
	    fail "partial read $shape does not name $field: $err"
done
# Not on Dynadot's DNS: said so, with the way out, not "unknown field".
double_ctl fault '{"command":"get_dns","mode":"external_ns","count":1}' >/dev/null
calls_reset
bs dns sync --no-wait
echo "# external name servers: exit $rc, writes sent $(set_dns2_calls), records lost $(lost "$T/zone.synced")"
[ "$rc" != 0 ] && [ "$(set_dns2_calls)" = 0 ] || fail "external name servers: exit $rc"
echo "$err" | grep -q "example.test is not on Dynadot's DNS (its name servers are 'Name Servers'): .*choose \"Dynadot DNS\"" ||
    fail "external name servers said: $err"

# --- compare-and-swap: an edit between the plan and the write is never lost ----
# The double adds a record (as Dynadot's web UI would) right after answering
# the plan's get_dns: the read right before set_dns2 sees it, nothing is
# written, the change is named; the next run writes and keeps the record.
double_ctl fault '{"command":"get_dns","mode":"edit_after","record":["_verify","txt","added in the web UI"],"count":1}' >/dev/null
calls_reset
bs dns sync --no-wait
w=$(set_dns2_calls)
zone_dump >"$T/zone.edited"
echo "# edit between plan and write: exit $rc, writes sent $w, records lost $(lost "$T/zone.edited")"
[ "$rc" != 0 ] && [ "$w" = 0 ] || fail "an edit between the plan and the write: exit $rc, $w writes: $err"
echo "$err" | grep -q '^bootstack dns: example.test: the zone changed since it was read (+ _verify TXT "added in the web UI"): nothing was written' ||
    fail "an edit between the plan and the write said: $err"
grep -qxF "_verify txt added in the web UI" "$T/zone.edited" || fail "the web edit is not in the zone"
bs dns sync --no-wait
# (records lost: the operator's and the web edit; the A records are ours to change)
{ echo "$OPERATOR"; echo "_verify txt added in the web UI"; } >"$T/zone.keep"
l=$(zone_dump | grep -vxFf - "$T/zone.keep" | wc -l)
echo "# the run after it: exit $rc, writes sent $(set_dns2_calls), records lost $l"
[ "$rc" = 0 ] && [ "$(set_dns2_calls)" = 1 ] || fail "the run after the edit: exit $rc: $err"
zone_dump | grep -qxF "_verify txt added in the web UI" || fail "the next run lost the web edit"
grep -qxF "www a 192.0.2.21" <(zone_dump) || fail "the next run did not write"

# --- the nameservers are found before the write, or nothing is written ---------
sed -i 's/^ipv4 = 192.0.2.21$/ipv4 = 192.0.2.22/' "$BS_CONF"
zone_dump >"$T/zone.before-ns"
calls_reset
BOOTSTACK_DNS_NAMESERVERS=127.0.0.1:99999 bs dns sync
echo "# nameservers unknown: exit $rc, writes sent $(set_dns2_calls), records lost $(lost "$T/zone.before-ns")"
[ "$rc" != 0 ] && [ "$(set_dns2_calls)" = 0 ] || fail "unknown nameservers: exit $rc, $(set_dns2_calls) writes"
echo "$err" | grep -q "^bootstack dns: example.test: nothing written: the nameservers to check the change on are not known: " ||
    fail "unknown nameservers said: $err"
sed -i 's/^ipv4 = 192.0.2.22$/ipv4 = 192.0.2.21/' "$BS_CONF"

# --- Dynadot's permanent errors: one request, Dynadot's words, the action -------
(umask 077 && echo "not-the-key" >"$T/wrong.key")
calls_reset
t0=$(date +%s%N)
BOOTSTACK_DYNADOT_KEY_FILE=$T/wrong.key bs dns sync --no-wait
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
reqs=$(double_ctl calls | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
echo "# invalid key: exit $rc after $ms ms, requests sent $reqs, writes sent $(set_dns2_calls)"
[ "$rc" != 0 ] || fail "an invalid key exited 0"
[ "$reqs" = 1 ] || fail "an invalid key was retried: $reqs requests"
echo "$err" | grep -q "^bootstack dns: example.test: dynadot get_dns example.test: Dynadot says: invalid key (the API key is refused: put the production key of Tools > API in the file \[dynadot\] key_file names)$" ||
    fail "an invalid key said: $err"
double_ctl fault '{"command":"get_dns","mode":"ip_denied","count":1}' >/dev/null
calls_reset
bs dns sync --no-wait
reqs=$(double_ctl calls | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
echo "# address not allowed: exit $rc, requests sent $reqs"
[ "$rc" != 0 ] && [ "$reqs" = 1 ] || fail "a refused address: exit $rc, $reqs requests: $err"
echo "$err" | grep -q "Dynadot says: ip address not allowed (.*allow-list" || fail "a refused address said: $err"
zone_dump | cmp -s - "$T/zone.before-ns" || fail "the refused runs changed the zone"
# Back to the zone and address the next section starts from.
sed -i 's/^ipv4 = 192.0.2.21$/ipv4 = 192.0.2.20/' "$BS_CONF"
bs dns sync --no-wait
[ "$rc" = 0 ] || fail "the sync back to 192.0.2.20: $err"
double_ctl flush '{}' >/dev/null

# --- a propagation timeout names the server; the next run finishes the wait -------
sed -i 's/^propagation_timeout = 15$/propagation_timeout = 2/; s/^ipv4 = 192.0.2.20$/ipv4 = 192.0.2.30/' "$BS_CONF"
double_ctl delay '{"seconds":30}' >/dev/null
bs dns sync
[ "$rc" = 1 ] || fail "a propagation timeout exited $rc"
# the status file says so, and keeps the last success for stale_job alerts
python3 - "$T/dns/sync.status.json" <<'PY' || fail "dns status after a failure: $(cat "$T/dns/sync.status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["job"] == "dns" and d["result"] == "failed" and "not visible" in d["error"], d
assert d["last_success"] is not None and d["last_success"] <= d["last_attempt"], d
PY
echo "$err" | grep -q "^bootstack dns: example.test: not visible after 2 s on 1 of 1 nameserver: $CTS_DNS: example.test a: wants exactly \"192.0.2.30\"; has \"192.0.2.20\"" ||
    fail "a propagation timeout said: $err"
double_ctl delay '{"seconds":0}' >/dev/null
double_ctl flush '{}' >/dev/null
calls_reset
bs dns sync
[ "$rc" = 0 ] || fail "the run after a timeout exited $rc: $err"
echo "$out" | grep -qx "example.test: no change" && echo "$out" | grep -q "^visible on 1 nameserver" ||
    fail "the run after a timeout: $out"
[ "$(set_dns2_calls)" = 0 ] || fail "the run after a timeout wrote again"
grep -q '"result": *"ok"' "$T/dns/sync.status.json" || fail "dns status after recovery"

# --- a record type bootstack does not know: refused, untouched -----------------
double_ctl zone '{"domain":"example.test","ttl":300,
 "main":[["mx","mail.example.test","10"]],
 "sub":[["www","a","198.51.100.7"],["caa","caa","0 issue \"letsencrypt.org\""]]}' >/dev/null
zone_dump >"$T/zone.caa"
calls_reset
bs dns sync
[ "$rc" = 1 ] || fail "a zone with a CAA record exited $rc"
echo "$err" | grep -q "^bootstack dns: example.test: refusing to rewrite the zone: get_dns: SubDomains record 2 caa has type CAA, which bootstack does not know$" ||
    fail "an unknown type said: $err"
[ "$(set_dns2_calls)" = 0 ] || fail "a zone with an unknown record type was written"
zone_dump | cmp -s - "$T/zone.caa" || fail "the zone with an unknown type changed"

# --- the key: only in its file; check-config hides it -------------------------
"$BS_BIN" check-config --dump >"$T/dump.out" 2>&1 || fail "check-config: $(cat "$T/dump.out")"
grep -q "^key = (secret)$" "$T/dump.out" || fail "check-config --dump does not hide the key"
leaks=$(key_leaks)
[ -z "$leaks" ] || fail "the API key appears in: $leaks"
pass
