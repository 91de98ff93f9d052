#!/bin/bash
# 062-dns-hosts.sh: two hosts of one deployment run `bootstack dns sync`
# against one Dynadot account at once. Each "host" has its own config file
# and its own snapshot folder; they share the deployment's PostgreSQL, and
# [dns] lock = database makes the account lock a PostgreSQL advisory lock.
#
# Host A writes and holds the lock while it waits for the nameserver (the
# double publishes 5 s late); host B starts meanwhile: it must wait, then
# plan from the zone as A left it. Counted: writes sent, records lost (the
# operator's, A's and B's), and which run waited. Then, with the database
# down, a run refuses rather than fall back to a lock other hosts cannot
# see.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dns-lib.sh"

cts_start
double_start "$CTS_URL" 5
pg_start

# host_conf NAME: $T/NAME.conf, snapshots in $T/NAME, one TXT record of its own.
host_conf() {
	mkdir -p "$T/$1"
	cat >"$T/$1.conf" <<CONF
$(db_ini)
[dns]
zone = example.test
ttl = 300
nameservers = $CTS_DNS
propagation_timeout = 60
propagation_interval = 1
query_timeout = 1
snapshot_dir = $T/$1/dns
lock = database
lock_timeout = 120

$(dynadot_section 5 2)

[dns_record mine]
name = $1
type = TXT
value = "written by host $1"
CONF
}
host_conf a
host_conf b

SEED='{"domain":"example.test","ttl":300,
 "main":[["a","198.51.100.1"],["mx","mail.example.test","10"]],
 "sub":[["www","a","198.51.100.7"],["_dmarc","txt","v=DMARC1; p=none"],
        ["go","forward","https://example.org/","1"]]}'
double_ctl zone "$SEED" >/dev/null || fail "cannot seed the double"
double_ctl flush '{}' >/dev/null
zone_dump >"$T/zone.seed"
calls_reset

# Host A first; host B as soon as A has written (A then holds the lock
# while it waits for the nameserver).
"$BS_BIN" -v -c "$T/a.conf" dns sync >"$T/a.out" 2>"$T/a.err" &
apid=$!
wait_for 600 grep -q "^example.test: written" "$T/a.out" ||
    fail "host A did not write: $(cat "$T/a.out" "$T/a.err")"
"$BS_BIN" -v -c "$T/b.conf" dns sync >"$T/b.out" 2>"$T/b.err" &
bpid=$!
arc=0; brc=0
wait "$apid" || arc=$?
wait "$bpid" || brc=$?
writes=$(set_dns2_calls)
zone_dump >"$T/zone.after"
lost=$(diff "$T/zone.seed" "$T/zone.after" | grep '^<' | grep -vc '^< ttl')
waited=none
grep -q "waiting for a run on another host" "$T/a.err" && waited=A
grep -q "waiting for a run on another host" "$T/b.err" && waited=B
mine=$(grep -c '^[ab] txt written by host [ab]$' "$T/zone.after")
echo "# two hosts at once: exit A $arc, B $brc; writes sent $writes; operator records lost $lost; host records kept $mine of 2; waited: $waited"
[ "$arc" = 0 ] || fail "host A exited $arc: $(cat "$T/a.err")"
[ "$brc" = 0 ] || fail "host B exited $brc: $(cat "$T/b.err")"
[ "$lost" = 0 ] || fail "records lost: $(diff "$T/zone.seed" "$T/zone.after")"
[ "$mine" = 2 ] || fail "a host's record was lost: $(cat "$T/zone.after")"
[ "$writes" = 2 ] || fail "$writes writes, want one per host"
[ "$waited" = B ] || fail "host B did not wait for host A's lock: $(cat "$T/b.err")"
grep -q "^visible on 1 nameserver" "$T/b.out" || fail "host B: $(cat "$T/b.out")"
[ -n "$(ls "$T/a/dns"/example.test-*.json)" ] && [ -n "$(ls "$T/b/dns"/example.test-*.json)" ] ||
    fail "each host keeps its snapshots in its own folder"

# The database down: refused, nothing written (no silent local fallback).
pg_stop
sed -i 's/^value = "written by host a"$/value = "host a again"/' "$T/a.conf"
calls_reset
"$BS_BIN" -c "$T/a.conf" dns sync >"$T/a2.out" 2>"$T/a2.err"
rc=$?
echo "# database down: exit $rc, writes sent $(set_dns2_calls)"
[ "$rc" != 0 ] && [ "$(set_dns2_calls)" = 0 ] || fail "the database down: exit $rc, $(set_dns2_calls) writes"
grep -q "cannot take the dynadot account lock in the database" "$T/a2.err" ||
    fail "the database down said: $(cat "$T/a2.err")"
leaks=$(key_leaks)
[ -z "$leaks" ] || fail "the API key appears in: $leaks"
pass
