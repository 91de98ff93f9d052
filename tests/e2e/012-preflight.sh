#!/usr/bin/env bash
# 012-preflight: SIGUSR2 runs `bootstack-api -t`, which checks everything a
# start needs; an upgrade that would fail is refused with one log line and
# the old master and workers serve on. Under a load loop through nginx,
# one SIGUSR2 per failure kind (a config error, a log file in a missing
# folder, a pid file in a missing folder, a database that does not
# answer), then one that passes: no request fails. Then the paths used at
# exit are the ones in use (owned copies), not the reloaded config's: after
# a SIGHUP that changes [api] listen and pid_file, SIGTERM removes the real
# socket and pid file and leaves the new paths alone; the sanitizers see
# no use of freed memory on the way (exit status 0).
. "$(dirname "$0")/lib.sh"

pg_start
mkdir -p "$T/run"
BASE="$(api_config "pid_file = $T/run/api.pid
max_requests = 0")"
write_config "$BASE"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
API_LOG_LEVEL=info
api_start
nginx_start
[ "$(cat "$T/run/api.pid")" = "$API_PID" ] || fail "pid file: $(cat "$T/run/api.pid")"

# -t by hand: ok, and each failure kind with its one line
"$BS_API_BIN" -t -c "$BS_CONF" >"$T/t.out" 2>&1 || fail "-t: $(cat "$T/t.out")"
grep -qx "$BS_CONF: ok" "$T/t.out" || fail "-t: $(cat "$T/t.out")"

client() {	# $1: output file, one status per line, until $T/stop exists
	while [ ! -e "$T/stop" ]; do
		curl -s -o /dev/null -m 10 -w '%{http_code}\n' "$URL/readyz"
		curl -s -o /dev/null -m 10 -w '%{http_code}\n' "$URL/healthz"
	done >"$1"
}
client "$T/load1" &
c1=$!
client "$T/load2" &
c2=$!
at_exit "touch $T/stop; wait $c1 $c2"
sleep 0.5

master=$API_PID
workers=$(api_workers)
refusals=0
# refused KIND TEXT: SIGUSR2 with the config as it now is: -t fails with
# one line holding TEXT, the upgrade is refused with one log line holding
# it, and nothing changed.
refused() {
	local kind=$1 want=$2 line
	"$BS_API_BIN" -t -c "$BS_CONF" >"$T/t.out" 2>&1 && fail "$kind: -t passed"
	grep -q -- "$want" "$T/t.out" || fail "$kind: -t said: $(cat "$T/t.out")"
	[ "$(wc -l <"$T/t.out")" = 1 ] || fail "$kind: -t printed more than one line: $(cat "$T/t.out")"
	kill -USR2 "$API_PID"
	refusals=$((refusals + 1))
	wait_for 150 sh -c "[ \$(grep -c 'upgrade refused' '$T/api.log') -ge $refusals ]" \
	    || fail "$kind: no refusal logged"
	line=$(grep 'upgrade refused' "$T/api.log" | tail -n 1)
	echo "$line" | grep -q -- "$want" || fail "$kind: the refusal says: $line"
	kill -0 "$master" || fail "$kind: the master is gone"
	[ "$(api_workers)" = "$workers" ] || fail "$kind: the workers changed"
	[ "$(http_status /readyz)" = 200 ] || fail "$kind: not serving after the refusal"
	echo "# 012 $kind: $(echo "$line" | sed 's/.*"msg":"\([^"]*\)".*/\1/')" >&2
}
write_config "$BASE
bogus line"
refused config 'bootstack.conf:[0-9]*:'
write_config "$BASE
log_file = $T/missing/api.log"
refused log_file "cannot open log file $T/missing/api.log"
write_config "$(api_config "pid_file = $T/gone/api.pid")"
refused pid_file "cannot create files in $T/gone"
write_config "$BASE"
sed -i "s/^port = .*/port = $(free_port)/" "$BS_CONF"	# nothing listens there
refused database "database check failed"

# ... and one that passes: the same program, new workers, the same master
write_config "$BASE"
kill -USR2 "$API_PID"
wait_for 100 grep -q "upgraded: bootstack-api" "$T/api.log" || fail "the good upgrade did not happen"
for p in $workers; do
	wait_for 100 sh -c "! kill -0 $p 2>/dev/null" || fail "old worker $p still runs"
done
kill -0 "$master" || fail "the master is gone after the upgrade"
[ "$(cat "$T/run/api.pid")" = "$master" ] || fail "pid file after the upgrade"
[ "$(http_status /readyz)" = 200 ] || fail "not serving after the upgrade"
sleep 0.5
touch "$T/stop"
wait "$c1" "$c2"
cat "$T/load1" "$T/load2" >"$T/codes"
total=$(wc -l <"$T/codes")
bad=$(grep -vc '^200$' "$T/codes")
echo "# 012 load: $total requests, $bad failed, across $refusals refused upgrades and one done" >&2
[ "$total" -gt 10 ] || fail "the load loop made only $total requests"
[ "$bad" = 0 ] || fail "$bad of $total requests failed: $(sort "$T/codes" | uniq -c)"
[ "$(grep -c 'upgrade refused' "$T/api.log")" = "$refusals" ] \
    || fail "not one line per refusal: $(grep -c 'upgrade refused' "$T/api.log")"

# --- the paths at exit are the ones in use -----------------------------------------
echo "not a socket" >"$T/other.sock"
write_config "$(printf '[api]\nlisten = %s\npid_file = %s\nworkers = 2\n' "$T/other.sock" \
    "$T/run/other.pid")"
kill -HUP "$API_PID"
wait_for 50 grep -q "reloaded: generation" "$T/api.log" || fail "no reload"
grep -q "listen changed" "$T/api.log" || fail "the listen change was not warned about"
kill -TERM "$API_PID"
wait "$API_PID"
rc=$?
API_PID=
[ "$rc" = 0 ] || fail "exit status $rc after HUP and TERM (sanitizers?): $(grep -m 3 -A 5 'ERROR: AddressSanitizer' "$T/api.log")"
[ -e "$T/api.sock" ] && fail "the socket in use was left behind"
[ "$(cat "$T/other.sock")" = "not a socket" ] || fail "the file at the new listen path was touched"
[ -e "$T/run/api.pid" ] && fail "the pid file in use was left behind"
grep -q 'AddressSanitizer\|runtime error' "$T/api.log" && fail "sanitizer report: $(grep -m 3 'AddressSanitizer\|runtime error' "$T/api.log")"
pass
