#!/usr/bin/env bash
# 011-hostile: bootstack-api against clients that talk to its socket
# directly and misbehave (tests/e2e/fcgi-client.py), while a bounded load
# loop runs through nginx:
#  - 8 idle connections, on the unix socket, again across a SIGHUP, and on
#    a TCP listener: each is closed by [api] header_timeout, and the load
#    loop loses at most 1 % of its requests (it should lose none);
#  - crafted records: FCGI_ABORT_REQUEST mid-body, a short body, bad
#    CONTENT_LENGTH values, a malformed parameter, a 64 MiB parameter, a
#    stalled body, another role, records out of order, management records:
#    no handler runs (no task is written), the answer is a 400/413 or a
#    closed connection, and the same workers serve on;
#  - /metrics counts every dropped connection by reason;
#  - a master killed with SIGKILL takes its workers with it, so the port
#    is free for the next start.
. "$(dirname "$0")/lib.sh"

CLIENT="python3 $BS_TOP_SRCDIR/tests/e2e/fcgi-client.py"
pg_start
write_config "$(api_config 'header_timeout = 2
body_timeout = 2
max_requests = 0')"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
nginx_start
"$BS_BIN" tenant create hostile >/dev/null || fail "tenant create"
KEY=$("$BS_BIN" key create --tenant hostile --scope write) || fail "key create"
tasks() { psql -Atc "SELECT count(*) FROM tasks"; }

# load FILE: 20 requests (/healthz and /readyz) through nginx, one status a
# line; each may take 10 s.
load() {
	local n
	for n in $(seq 10); do
		curl -s -o /dev/null -m 10 -w '%{http_code}\n' "$URL/healthz"
		curl -s -o /dev/null -m 10 -w '%{http_code}\n' "$URL/readyz"
	done >"$1"
}

# idle_under_load NAME ADDR [SIGNAL]: 8 idle connections to ADDR, each
# opened again once closed, for as long as two load loops run through
# nginx (SIGNAL sent to the daemon after the first requests); the first 8
# are closed by header_timeout (2 s), and at most 1 % of the load fails.
idle_under_load() {
	local name=$1 addr=$2 sig=${3:-} total bad line
	rm -f "$T/stop"
	$CLIENT "$addr" idle 8 6 --until "$T/stop" >"$T/idle.$name" 2>&1 &
	local idler=$!
	sleep 0.2
	load "$T/load.$name.1" &
	local l1=$!
	load "$T/load.$name.2" &
	local l2=$!
	if [ -n "$sig" ]; then
		wait_for 50 test -s "$T/load.$name.1"
		kill "-$sig" "$API_PID"
	fi
	wait "$l1" "$l2"
	touch "$T/stop"
	wait "$idler" || fail "$name: the idle client failed: $(cat "$T/idle.$name")"
	total=$(cat "$T/load.$name.1" "$T/load.$name.2" | wc -l)
	bad=$(cat "$T/load.$name.1" "$T/load.$name.2" | grep -vc '^200$')
	line=$(tail -n 1 "$T/idle.$name")
	echo "# 011 $name: load $total requests, $bad failed; $line" >&2
	[ "$total" = 40 ] || fail "$name: the load loops made $total requests, not 40"
	[ $((bad * 100)) -le "$total" ] || fail "$name: $bad of $total requests failed"
	echo "$line" | grep -q '^idle: 8 opened, 8 closed' || fail "$name: $line"
	awk '/^closed/ && ($2 < 1.9 || $2 > 4.5) { exit 1 }' "$T/idle.$name" \
	    || fail "$name: an idle connection was not closed at header_timeout: $(cat "$T/idle.$name")"
}

# --- idle connections on the unix socket, then across a reload ----------------
idle_under_load unix "$T/api.sock"
idle_under_load unix-hup "$T/api.sock" HUP
grep -q "reloaded: generation 1" "$T/api.log" || fail "no reload during the idle test"
sleep 1

# --- crafted records ------------------------------------------------------------
workers=$(api_workers)
AUTH="HTTP_AUTHORIZATION=Bearer $KEY"
TASK='{"title":"from a hostile client"}'
# crafted CASE WANT-STATUS [METHOD URI BODY]: the answer's status line, or
# "closed"; prints what came back on failure.
crafted() {
	local case=$1 want=$2
	shift 2
	$CLIENT "$T/api.sock" request "$case" "$@" -H "$AUTH" >"$T/crafted.out" 2>&1 \
	    || fail "$case: client failed: $(cat "$T/crafted.out")"
	grep -qx "$([ "$want" = closed ] && echo closed || echo "status $want")" "$T/crafted.out" \
	    || fail "$case: want $want, got: $(cat "$T/crafted.out")"
	echo "# 011 crafted $case: $(head -n 1 "$T/crafted.out")" >&2
}
crafted abort-mid-body closed POST /v1/tasks "$TASK"
grep -qx 'end_request yes' "$T/crafted.out" || fail "abort: no FCGI_END_REQUEST"
crafted short-body 400 POST /v1/tasks "$TASK"
grep -q 'Content-Length says' "$T/crafted.out" || fail "short body detail: $(cat "$T/crafted.out")"
crafted content-length=-1 400 POST /v1/tasks "$TASK"
crafted content-length=12abc 400 POST /v1/tasks "$TASK"
crafted content-length=99999999999 413 POST /v1/tasks "$TASK"
crafted params-error closed POST /v1/tasks "$TASK"
grep -qx 'end_request no' "$T/crafted.out" || fail "params error answered"
crafted stdin-first closed POST /v1/tasks "$TASK"
crafted slow-body=3 closed POST /v1/tasks "$TASK"
crafted role-filter closed
grep -qx 'end_request yes' "$T/crafted.out" || fail "role: no FCGI_END_REQUEST (unknown role)"
crafted get-values 200
grep -qx 'types 10' "$T/crafted.out" || fail "get-values: $(cat "$T/crafted.out")"
rss0=$(for p in $workers; do awk '/^VmRSS/ { print $2 }' "/proc/$p/status"; done | sort -n | tail -n 1)
crafted huge-param closed
rss1=$(for p in $workers; do awk '/^VmRSS/ { print $2 }' "/proc/$p/status"; done | sort -n | tail -n 1)
echo "# 011 huge-param: worker RSS $rss0 -> $rss1 KiB" >&2
[ $((rss1 - rss0)) -lt 16384 ] || fail "a 64 MiB parameter grew a worker from $rss0 to $rss1 KiB"
[ "$(tasks)" = 0 ] || fail "a crafted request wrote a task"
crafted keep-conn 200
crafted ok 201 POST /v1/tasks "$TASK"
[ "$(tasks)" = 1 ] || fail "a well-formed direct request wrote $(tasks) tasks, not 1"
[ "$(api_workers)" = "$workers" ] || fail "workers changed under crafted records: $workers -> $(api_workers)"
grep -q '"level":"error"' "$T/api.log" && fail "errors logged: $(grep '"level":"error"' "$T/api.log" | head -3)"

curl -s "$URL/metrics" >"$T/metrics"
drops() { awk -v r="bootstack_connections_dropped_total{reason=\"$1\"}" '$1 == r { print $2 }' "$T/metrics"; }
echo "# 011 dropped: $(grep '^bootstack_connections_dropped_total' "$T/metrics" | sed 's/.*reason="\([a-z_]*\)"} /\1=/' | tr '\n' ' ')" >&2
[ "$(drops header_timeout)" -ge 16 ] || fail "header_timeout drops: $(drops header_timeout)"
[ "$(drops aborted)" -ge 1 ] || fail "aborted drops"
[ "$(drops protocol)" -ge 3 ] || fail "protocol drops: $(drops protocol)"
[ "$(drops params_too_big)" = 1 ] || fail "params_too_big drops: $(drops params_too_big)"
[ "$(drops body_timeout)" = 1 ] || fail "body_timeout drops: $(drops body_timeout)"

# --- idle connections on a TCP listener ------------------------------------------
api_stop
nginx_stop
wait_for 50 test ! -f "$T/nginx/nginx.pid" || fail "nginx did not stop"
port=$(free_port)
write_config "$(printf '[api]\nlisten = 127.0.0.1:%s\nworkers = 2\nheader_timeout = 2\n' "$port")"
"$BS_API_BIN" -c "$BS_CONF" >>"$T/api.log" 2>&1 &
API_PID=$!
wait_for 50 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null" || fail "no TCP listener"
sed -i "s|fastcgi_pass unix:$T/api.sock;|fastcgi_pass 127.0.0.1:$port;|" "$T/nginx/nginx.conf"
nginx -c "$T/nginx/nginx.conf" -e "$T/nginx-error.log" || fail "nginx on TCP"
wait_for 50 curl -sf -o /dev/null "$URL/healthz" || fail "nginx to TCP not answering"
idle_under_load tcp "127.0.0.1:$port"

# --- a master killed outright takes its workers with it ----------------------------
workers=$(api_workers)
kill -9 "$API_PID"
wait "$API_PID" 2>/dev/null
API_PID=
for p in $workers; do
	wait_for 20 sh -c "! kill -0 $p 2>/dev/null" || fail "worker $p outlived its master"
done
"$BS_API_BIN" -c "$BS_CONF" >>"$T/api.log" 2>&1 &
API_PID=$!
wait_for 50 curl -sf -o /dev/null "$URL/healthz" || fail "no restart on the port after the master died"
pass
