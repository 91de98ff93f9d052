#!/usr/bin/env bash
# 022-reload-handoff: no connection is left in the accept queue when a
# worker leaves. The workers wait with EPOLLEXCLUSIVE, so a connection
# wakes one of them: a worker that was woken and then retired (a reload's
# SIGTERM, or a recycle after max_requests) without accepting took that
# wake-up with it, and the connection waited in the queue for the next one
# to arrive. With two clients both waiting there, none arrived: in CI, 2 of
# 449 requests of 010's reload loop timed out after 10 s. Here, many
# reloads and many recycles under two clients that each wait at most 5 s;
# counted: requests failed, the slowest.
. "$(dirname "$0")/lib.sh"

pg_start
write_config "$(API_LOG_LEVEL=info api_config 'max_requests = 0')"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
nginx_start

LOAD="python3 $BS_TOP_SRCDIR/tests/e2e/http-load.py"
RELOADS=${BS_RELOADS:-100}

# load NAME: two clients on /readyz until $T/stop (at most 200,000
# requests, 120 s), each request waiting 5 s at most; started, then
# waited for until it has ended two requests.
load() {
	rm -f "$T/stop"
	$LOAD "$URL" 2 200000 120 /readyz --until "$T/stop" --timeout 5 \
	    --log "$T/$1.log" >"$T/$1.out" 2>&1 &
	loader=$!
	wait_for 300 sh -c "[ \$(wc -l <'$T/$1.log') -ge 2 ]" ||
	    fail "$1: the load loop did not start"
}

# settle NAME: two more requests ended (or the loader gone), then the
# loader stopped; prints the counts and fails on any request not a 200.
settle() {
	local n total bad slowest
	n=$(wc -l <"$T/$1.log")
	wait_for 300 sh -c "[ \$(wc -l <'$T/$1.log') -ge $((n + 2)) ] || ! kill -0 $loader"
	touch "$T/stop"
	wait "$loader" || true
	total=$(wc -l <"$T/$1.log")
	bad=$(awk '$3 != 200' "$T/$1.log" | wc -l)
	slowest=$(awk '{ d = $2 - $1; if (d > m) m = d } END { printf "%.3f", m }' "$T/$1.log")
	echo "# 022 $1: $total requests, $bad failed, slowest $slowest s; $2" >&2
	[ "$total" -ge $((n + 2)) ] || fail "$1: the load loop ended early: $(cat "$T/$1.out")"
	[ "$bad" = 0 ] || fail "$1: $bad of $total requests failed: $(awk '$3 != 200' "$T/$1.log" | head -3)"
}

# --- reloads: each one's old workers leave while both clients ask -------
load reloads
for i in $(seq 1 "$RELOADS"); do
	kill -HUP "$API_PID"
	wait_for 300 grep -q "reloaded: generation $i," "$T/api.log" ||
	    fail "reload $i not seen"
	# a few requests of this generation before the next reload
	n=$(wc -l <"$T/reloads.log")
	wait_for 300 sh -c "[ \$(wc -l <'$T/reloads.log') -ge $((n + 4)) ]" ||
	    fail "no request after reload $i"
done
settle reloads "$RELOADS reloads"

# --- recycles: a worker leaves every 25 requests -------------------------
write_config "$(API_LOG_LEVEL=info api_config 'max_requests = 25')"
kill -HUP "$API_PID"
wait_for 300 grep -q "reloaded: generation $((RELOADS + 1))," "$T/api.log" ||
    fail "the reload to max_requests 25 not seen"
before=$(grep -c "recycled after" "$T/api.log" || true)
load recycles
wait_for 600 sh -c "[ \$(grep -c 'recycled after' '$T/api.log') -ge $((before + 80)) ]" ||
    fail "fewer than 80 recycles: $(($(grep -c 'recycled after' "$T/api.log") - before))"
settle recycles "$(($(grep -c 'recycled after' "$T/api.log") - before)) recycles"

kill -0 "$API_PID" || fail "the daemon died"
pass
