#!/usr/bin/env bash
# 017-stop: SIGTERM under load resets no connection. Three times over, the
# daemon gets SIGTERM while 16 clients send requests through nginx
# (tests/e2e/http-load.py) and 16 more straight to its unix socket
# (tests/e2e/fcgi-client.py load), each request on its own connection;
# then it is started again. A stop refuses new connections first (the
# socket's path goes) and serves what was queued, so every request is
# answered 200 or refused cleanly (no such socket: nginx says 502 without
# having sent anything), and none is reset after it was sent: 0 resets on
# the socket, 0 "reset by peer" / "prematurely closed" in nginx's log.
# Then twice on a TCP listener, 32 clients straight to the port: the stop
# drops new SYNs (the clients find the port closed a second later), so no
# queued connection is reset either. Prints the counts of every round.
. "$(dirname "$0")/lib.sh"

LOAD="python3 $BS_TOP_SRCDIR/tests/e2e/http-load.py"
CLIENT="python3 $BS_TOP_SRCDIR/tests/e2e/fcgi-client.py"
pg_start
API_WORKERS=4
write_config "$(api_config 'max_requests = 0
drain_timeout = 10')"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
nginx_start

resets=0
for round in 1 2 3; do
	rm -f "$T/stop"
	: >"$T/nginx-error.log"
	$LOAD "$URL" 16 20000 60 /readyz /healthz --until "$T/stop" --timeout 15 \
	    --log "$T/http.$round.log" >"$T/http.$round.out" 2>&1 &
	hl=$!
	$CLIENT "$T/api.sock" load 16 20000 60 /readyz --until "$T/stop" \
	    >"$T/fcgi.$round.out" 2>&1 &
	fl=$!
	wait_for 300 sh -c "[ \$(wc -l <'$T/http.$round.log') -ge 50 ]" \
	    || fail "round $round: the load did not start"
	n0=$(wc -l <"$T/http.$round.log")
	kill -TERM "$API_PID"
	wait "$API_PID"
	rc=$?
	API_PID=
	[ "$rc" = 0 ] || fail "round $round: exit status $rc after SIGTERM"
	# the loops go on against the stopped daemon for a moment
	n1=$(wc -l <"$T/http.$round.log")
	wait_for 300 sh -c "[ \$(wc -l <'$T/http.$round.log') -ge $((n1 + 20)) ]"
	touch "$T/stop"
	wait "$hl" "$fl"
	http_resets=$(grep -cE 'reset by peer|prematurely closed|broken pipe' "$T/nginx-error.log")
	refused=$(grep -c 'No such file or directory\|Connection refused' "$T/nginx-error.log")
	bad=$(awk '$3 != 200 && $3 != 502' "$T/http.$round.log" | wc -l)
	fcgi=$(cat "$T/fcgi.$round.out")
	echo "# 017 round $round: nginx: $(cat "$T/http.$round.out") ($n0 before SIGTERM, $n1 when the daemon had exited); upstream resets $http_resets, refused $refused" >&2
	echo "# 017 round $round: socket: $fcgi" >&2
	fr=$(echo "$fcgi" | sed -n 's/.*reset \([0-9]*\).*/\1/p')
	[ -n "$fr" ] || fail "round $round: no count from the socket client: $fcgi"
	resets=$((resets + http_resets + fr))
	[ "$bad" = 0 ] || fail "round $round: answers neither 200 nor 502: $(awk '$3 != 200 && $3 != 502' "$T/http.$round.log" | head -3)"
	api_start
	wait_for 50 curl -sf -o /dev/null "$URL/readyz" || fail "round $round: no restart"
done
api_stop
port=$(free_port)
write_config "$(printf '[api]\nlisten = 127.0.0.1:%s\nworkers = 4\nmax_requests = 0\n' "$port")"
for round in 4 5; do
	"$BS_API_BIN" -c "$BS_CONF" >>"$T/api.log" 2>&1 &
	API_PID=$!
	wait_for 50 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null" \
	    || fail "round $round: no TCP listener"
	rm -f "$T/stop" "$T/started"
	$CLIENT "127.0.0.1:$port" load 32 1000000 60 /healthz --until "$T/stop" \
	    --started "$T/started" >"$T/fcgi.$round.out" 2>&1 &
	fl=$!
	wait_for 300 test -f "$T/started" || fail "round $round: the load did not start"
	sleep 0.5
	kill -TERM "$API_PID"
	wait "$API_PID"
	rc=$?
	API_PID=
	[ "$rc" = 0 ] || fail "round $round: exit status $rc after SIGTERM"
	sleep 1
	touch "$T/stop"
	wait "$fl"
	fcgi=$(cat "$T/fcgi.$round.out")
	echo "# 017 round $round (TCP): socket: $fcgi" >&2
	fr=$(echo "$fcgi" | sed -n 's/.*reset \([0-9]*\).*/\1/p')
	[ -n "$fr" ] || fail "round $round: no count from the socket client: $fcgi"
	echo "$fcgi" | grep -q 'status 200=' || fail "round $round: nothing served before the stop: $fcgi"
	resets=$((resets + fr))
done
echo "# 017 resets in all: $resets" >&2
[ "$resets" = 0 ] || fail "$resets connections reset by a stop"
pass
