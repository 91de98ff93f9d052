#!/usr/bin/env bash
# 016-emergency: php-fpm's emergency restart and pool rlimits. Three
# workers killed by SIGSEGV within emergency_restart_interval restart every
# worker, once (logged, counted on the status page, a new generation, no
# old pid left); two more crashes do not restart again; a SIGKILL is not a
# crash signal. rlimit_files and rlimit_core are what /proc/PID/limits
# shows for every worker, the master keeping its own; -t refuses a core
# limit that is neither bytes nor "unlimited".
. "$(dirname "$0")/lib.sh"

# The sanitizers catch SIGSEGV and exit 1; here the signal must kill the
# worker as it does in a production build.
export ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0:handle_sigbus=0:handle_abort=0"

cd "$T"	# a core file, if the kernel writes one, lands here (core_pattern)
pg_start
API_WORKERS=3
write_config "$(api_config 'emergency_restart_threshold = 3
emergency_restart_interval = 60
rlimit_files = 777
rlimit_core = 4096')"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
nginx_start

nworkers() { api_workers | wc -l; }
has_workers() { [ "$(nworkers)" = "$1" ]; }
restarts() { grep -c 'emergency restart:' "$T/api.log"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
status() { "$BS_API_BIN" -c "$BS_CONF" status; }
field() { status | sed -n "s/^$1: *//p"; }

wait_for 300 has_workers 3 || fail "$(nworkers) workers at start, want 3"

# --- rlimits in every worker, not in the master -----------------------------
for p in $(api_workers); do
	grep -q '^Max open files *777 *777 ' /proc/$p/limits \
	    || fail "worker $p: $(grep 'open files' /proc/$p/limits)"
	grep -q '^Max core file size *4096 *4096 ' /proc/$p/limits \
	    || fail "worker $p: $(grep 'core file' /proc/$p/limits)"
done
grep -q '^Max open files *777 ' /proc/$API_PID/limits && fail "the master took the workers' rlimit_files"
echo "# rlimits: $(nworkers) of $(nworkers) workers at 777 open files, core 4096 bytes"

# --- three crashes within the interval: one emergency restart --------------
old=$(api_workers | tr '\n' ' ')
kill -KILL "$(api_workers | head -n 1)"	# not a crash signal
wait_for 300 has_workers 3 || fail "SIGKILLed worker not replaced"
for i in 1 2 3; do
	victim=$(api_workers | head -n 1)
	kill -SEGV "$victim"
	wait_for 300 gone "$victim" || fail "worker $victim survived SIGSEGV"
	wait_for 300 has_workers 3 || fail "crash $i: $(nworkers) workers, want 3"
done
wait_for 300 grep -q 'emergency restart: 3 workers died of a crash signal within 60 s' "$T/api.log" \
    || fail "no emergency restart after 3 SIGSEGV"
wait_for 300 has_workers 3 || fail "$(nworkers) workers after the emergency restart"
for p in $old; do
	wait_for 300 gone "$p" || fail "worker $p of before the restart still runs"
done
[ "$(field 'emergency restarts')" = 1 ] || fail "status: emergency restarts $(field 'emergency restarts')"
[ "$(field generation)" = 1 ] || fail "status: generation $(field generation), want 1"
[ "$(http_status /healthz)" = 200 ] || fail "healthz after the emergency restart"
# The ring starts over: two more crashes are not a third restart.
for i in 1 2; do
	victim=$(api_workers | head -n 1)
	kill -SEGV "$victim"
	wait_for 300 gone "$victim" || fail "worker $victim survived SIGSEGV"
	wait_for 300 has_workers 3 || fail "crash $i after: $(nworkers) workers"
done
sleep 1
[ "$(restarts)" = 1 ] || fail "$(restarts) emergency restarts, want 1"
segv=$(grep -c 'killed by signal 11' "$T/api.log")
echo "# emergency: $segv SIGSEGV + 1 SIGKILL, $(restarts) emergency restart (threshold 3 in 60 s), generation $(field generation)"

# --- -t: the limits' form and feasibility ------------------------------------
cp "$BS_CONF" "$T/good.conf"
write_config "$(api_config 'rlimit_core = lots')"
"$BS_API_BIN" -t -c "$BS_CONF" >"$T/t.out" 2>&1 && fail "-t passed rlimit_core = lots"
grep -q 'rlimit_core: lots is neither' "$T/t.out" || fail "-t: $(cat "$T/t.out")"
write_config "$(api_config 'rlimit_core = unlimited')"
"$BS_API_BIN" -t -c "$BS_CONF" >"$T/t.out" 2>&1 || fail "-t refused rlimit_core = unlimited: $(cat "$T/t.out")"
if [ "$(id -u)" != 0 ]; then
	write_config "$(api_config "rlimit_files = $(( $(ulimit -Hn) + 1 ))")"
	"$BS_API_BIN" -t -c "$BS_CONF" >"$T/t.out" 2>&1 && fail "-t passed rlimit_files above the hard limit"
fi
pass
