#!/usr/bin/env bash
# 021-keepalive: FastCGI keep-alive (nginx's fastcgi_keep_conn). Straight
# to the socket: a kept connection serves a second request, is closed after
# [api] keepalive_timeout idle, gets header_timeout only from the first
# byte of its next request (not while idle), and one that sends a second
# request before the first's answer gets one answer and is closed; with
# keepalive_timeout = 0 every connection is closed after its answer.
# Through nginx with `keepalive 16` (its own keepalive_timeout shorter than
# the daemon's, as the templates set them): both workers serve (the share
# of each is printed), the workers accept far fewer connections than they
# serve requests, and the failed requests are counted, with the
# outcomes printed, while a worker is killed (SIGKILL) under GET and POST
# load, over three reloads (SIGHUP) under POST load, and while 64 idle
# connections are held on the socket; and while one worker is held by a
# PATCH that waits on a row lock for 3 s, how many GETs wait more than 1 s
# (behind it, on its kept connections). BS_KEEPALIVE=0 runs the nginx part
# without keep-alive, for the same counts to compare (BS_KEEPALIVE=N: N).
. "$(dirname "$0")/lib.sh"
KA=${BS_KEEPALIVE:-16}

LOAD="python3 $BS_TOP_SRCDIR/tests/e2e/http-load.py"
CLIENT="python3 $BS_TOP_SRCDIR/tests/e2e/fcgi-client.py"
pg_start
API_WORKERS=2
API_LOG_LEVEL=info
write_config "$(api_config 'max_requests = 0
header_timeout = 2
keepalive_timeout = 4')"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
"$BS_BIN" tenant create acme >/dev/null || fail "tenant create"
KEY=$("$BS_BIN" key create --tenant acme --scope write) || fail "key create"
api_start
sleep 1

# --- straight to the socket ------------------------------------------------------
# between LO and HI (seconds, decimals): the time in the line matching $1
within() {	# file prefix lo hi
	awk -v p="$2" -v lo="$3" -v hi="$4" 'index($0, p) == 1 {
	    t = substr($0, length(p) + 2) + 0; found = 1; exit !(t >= lo && t <= hi) }
	    END { if (!found) exit 1 }' "$1"
}
$CLIENT "$T/api.sock" request keep-conn >"$T/keep.out" 2>&1
echo "# 021 keep-conn: $(tr '\n' ' ' <"$T/keep.out")" >&2
grep -qx "status 200" "$T/keep.out" || fail "keep-conn: $(cat "$T/keep.out")"
grep -qx "second status 200" "$T/keep.out" || fail "keep-conn, second: $(cat "$T/keep.out")"
within "$T/keep.out" "kept closed after" 3.5 6 || fail "keepalive_timeout 4: $(cat "$T/keep.out")"

$CLIENT "$T/api.sock" request keep-idle=3 >"$T/idle.out" 2>&1
echo "# 021 keep-idle=3: $(tr '\n' ' ' <"$T/idle.out")" >&2
grep -qx "status 200" "$T/idle.out" || fail "keep-idle: $(cat "$T/idle.out")"
# idle 3 s > header_timeout 2 s: the partial request then has its 2 s
within "$T/idle.out" "partial closed after" 1.5 3.5 || fail "header_timeout on a kept connection: $(cat "$T/idle.out")"

$CLIENT "$T/api.sock" request keep-pipelined >"$T/pipe.out" 2>&1
echo "# 021 keep-pipelined: $(tr '\n' ' ' <"$T/pipe.out")" >&2
grep -qx "answers 1" "$T/pipe.out" || fail "pipelined: $(cat "$T/pipe.out")"
grep -qx "closed" "$T/pipe.out" || fail "pipelined, not closed: $(cat "$T/pipe.out")"

drops_eof() {
	$CLIENT "$T/api.sock" request ok GET /metrics >"$T/metrics" 2>&1
	awk '$1 == "bootstack_connections_dropped_total{reason=\"eof\"}" { print $2 }' "$T/metrics"
}
[ "$(drops_eof)" = 0 ] || fail "kept connections closed between requests counted as dropped: $(drops_eof)"

# keepalive_timeout = 0: closed after each answer
sed -i 's/^keepalive_timeout = 4/keepalive_timeout = 0/' "$BS_CONF"
kill -HUP "$API_PID"
wait_for 300 grep -q "reloaded: generation 1" "$T/api.log" || fail "reload 1 not seen"
sleep 1
$CLIENT "$T/api.sock" request keep-conn >"$T/off.out" 2>&1
echo "# 021 keepalive_timeout = 0: $(tr '\n' ' ' <"$T/off.out")" >&2
grep -qx "status 200" "$T/off.out" || fail "off: $(cat "$T/off.out")"
grep -qx "second status 200" "$T/off.out" && fail "keepalive_timeout = 0 kept the connection"
sed -i 's/^keepalive_timeout = 0/keepalive_timeout = 75/' "$BS_CONF"
kill -HUP "$API_PID"
wait_for 300 grep -q "reloaded: generation 2" "$T/api.log" || fail "reload 2 not seen"
sleep 1

# --- through nginx, keepalive 16 -------------------------------------------------
if [ "$KA" = 0 ]; then nginx_start; else NGINX_KEEPALIVE=$KA nginx_start; fi
TASK=$(curl -sf -X POST -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"title":"kept"}' "$URL/v1/tasks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') \
    || fail "no task created"
status_full() { "$BS_API_BIN" -c "$BS_CONF" status --full 2>/dev/null; }
per_worker() { status_full | awk '/^requests:/ { print $2 }' | tr '\n' ' '; }
accepted() { status_full | awk -F': *' '/^accepted conn/ { print $2 }'; }
# bad FILE: requests of the --log FILE not answered 2xx
bad() { awk '$3 !~ /^2/' "$1" | wc -l; }
outcomes() { awk '{ n[$3]++ } END { for (s in n) printf "%s=%d ", s, n[s] }' "$1"; }

a0=$(accepted)
$LOAD "$URL" 8 3000 60 "/v1/tasks/$TASK" --header "Authorization: Bearer $KEY" \
    --log "$T/spread.log" >"$T/spread.out" 2>&1
a1=$(accepted)
read -r w1 w2 <<<"$(per_worker)"
echo "# 021 spread, 8 clients, 3000 GETs: per worker $w1 / $w2 requests;" \
    "connections accepted $((a1 - a0)); $(outcomes "$T/spread.log")" >&2
[ "$(bad "$T/spread.log")" = 0 ] || fail "spread: $(outcomes "$T/spread.log")"
[ "$KA" = 0 ] || [ $((a1 - a0)) -lt 300 ] ||
	fail "keep-alive unused: $((a1 - a0)) connections for 3000 requests"
for w in "$w1" "$w2"; do
	[ "$w" -ge $(( (w1 + w2) / 5 )) ] || fail "one worker served $w of $((w1 + w2)) requests"
done

# load_while NAME ACTION LOAD-ARGS...: a load through nginx, ACTION run once
# 100 requests have been answered, the failed ones counted
load_while() {
	local name=$1 action=$2
	shift 2
	rm -f "$T/stop"
	$LOAD "$URL" 8 100000 60 "$@" --until "$T/stop" --log "$T/$name.log" >"$T/$name.out" 2>&1 &
	local lp=$!
	wait_for 300 sh -c "[ \$(wc -l <'$T/$name.log') -ge 100 ]" || fail "$name: the load did not start"
	eval "$action"
	sleep 2
	touch "$T/stop"
	wait "$lp"
	echo "# 021 $name: $(wc -l <"$T/$name.log") requests, $(outcomes "$T/$name.log")" >&2
}
kill_one() {
	kill -KILL "$(api_workers | head -n 1)"
	wait_for 300 sh -c "[ \$(pgrep -P $API_PID | wc -l) = 2 ]" || fail "no respawn"
}
POST_ARGS=(/v1/tasks --method POST --data '{"title":"kept post"}' --header "Authorization: Bearer $KEY"
    --header 'Content-Type: application/json')
load_while kill-get kill_one "/v1/tasks/$TASK" --header "Authorization: Bearer $KEY"
load_while kill-post kill_one "${POST_ARGS[@]}"
# Without keep-alive a killed worker loses the request it was serving;
# with it, also those nginx had sent on its other kept connections: nginx
# sends a GET again on another connection, not a POST (at most one per
# client then, 8).
[ "$(bad "$T/kill-get.log")" -le 1 ] || fail "kill under GET: $(outcomes "$T/kill-get.log")"
[ "$(bad "$T/kill-post.log")" -le $([ "$KA" = 0 ] && echo 1 || echo 8) ] ||
	fail "kill under POST: $(outcomes "$T/kill-post.log")"

reloads() {
	local g
	for g in 3 4 5; do
		kill -HUP "$API_PID"
		wait_for 300 grep -q "reloaded: generation $g" "$T/api.log" || fail "reload $g not seen"
		sleep 1.5
	done
}
load_while reload-post reloads "${POST_ARGS[@]}"
[ "$(bad "$T/reload-post.log")" = 0 ] || fail "reloads under POST: $(outcomes "$T/reload-post.log")"

$CLIENT "$T/api.sock" hold 64 8 >"$T/hold.out" 2>&1 &
hp=$!
sleep 1
$LOAD "$URL" 8 100000 5 "/v1/tasks/$TASK" --header "Authorization: Bearer $KEY" \
    --log "$T/held.log" >"$T/held.out" 2>&1
wait "$hp"
echo "# 021 64 idle held: $(cat "$T/hold.out"); $(wc -l <"$T/held.log") requests," \
    "$(outcomes "$T/held.log")" >&2
[ "$(bad "$T/held.log")" = 0 ] || fail "with 64 idle connections held: $(outcomes "$T/held.log")"

# One worker held 3 s by a PATCH waiting on a row lock, GETs meanwhile
psql -Atc "BEGIN; SELECT 1 FROM tasks WHERE id = $TASK FOR UPDATE; SELECT pg_sleep(3)" \
    >/dev/null 2>&1 &
lk=$!
sleep 0.3
curl -s -o "$T/patch.out" -w '%{http_code}\n' -m 30 -X PATCH -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/merge-patch+json' -d '{"title":"waited"}' \
    "$URL/v1/tasks/$TASK" >"$T/patch.code" &
pp=$!
sleep 0.2
$LOAD "$URL" 8 100000 2.5 "/v1/tasks/$TASK" --header "Authorization: Bearer $KEY" \
    --log "$T/stall.log" >"$T/stall.out" 2>&1
wait "$lk" "$pp"
slow=$(awk '$2 - $1 > 1' "$T/stall.log" | wc -l)
echo "# 021 one worker held 3 s: PATCH $(cat "$T/patch.code"); $(wc -l <"$T/stall.log") GETs," \
    "$slow waited more than 1 s, $(outcomes "$T/stall.log")" >&2
[ "$(bad "$T/stall.log")" = 0 ] || fail "GETs while a worker was held: $(outcomes "$T/stall.log")"
[ "$slow" -le 8 ] || fail "$slow GETs waited behind the held worker"

grep '"level":"error"' "$T/api.log" | grep -v 'killed by signal 9' >"$T/errors"
[ -s "$T/errors" ] && fail "errors logged: $(head -3 "$T/errors")"
pass
