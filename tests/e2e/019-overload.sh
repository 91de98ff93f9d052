#!/usr/bin/env bash
# 019-overload: with every worker busy, what waited past [api] queue_timeout
# is shed with 503 + Retry-After, never left to nginx's 504. nginx passes
# REQUEST_START ($msec, as nginx/fastcgi.conf does).
# 1. queue_timeout = 200: both workers are SIGSTOPped (as if each ran a long
#    request), N requests queue on the socket (seen in its accept queue),
#    and once they have waited longer than queue_timeout the workers go on:
#    each queued request must get 503 with Retry-After and a problem+json
#    body, none 504 nor 200. /healthz queued the same way is still
#    answered 200. Before and after, requests that do not wait are served
#    200. A request straight to the socket (no REQUEST_START) queued the
#    same way is served, not shed.
# 2. The shipped defaults (queue_timeout 500 ms, backlog 4096), nothing set:
#    straight to the socket, a request nginx started 10 s ago is shed (503
#    naming 500 ms), one whose REQUEST_START is ahead of the daemon's clock
#    or unreadable is served, and /healthz is never shed.
# 3. A burst over the limit, through nginx, on the defaults: 64 clients on
#    kept connections send GETs while both workers are frozen and thawed in
#    turns (frozen 1.5 s each time, three times the bound, on any machine),
#    so requests queue past the bound and are shed, and others are served
#    between the freezes. Every answer must be 200 or 503 with
#    Retry-After: 1; none 504, none other, no reset or failed connection;
#    some of each. The daemon's own line for each request (log_level
#    debug: queued_ms, what the rule compared) must show no 200 that
#    waited past 500 ms and no 503 that did not.
# Prints the counts.
. "$(dirname "$0")/lib.sh"

N=24
pg_start
write_config "$(api_config 'queue_timeout = 200
max_requests = 0')"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
NGINX_LOCATION_EXTRA='fastcgi_param REQUEST_START $msec;'
nginx_start
wait_for 100 curl -sf -o /dev/null "$URL/readyz" || fail "not ready"

# served WHEN: 20 requests one after the other, each must be answered 200
# (requests that do not wait are not shed); prints the count.
served() {
	local i ok=0
	for i in $(seq 1 20); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] && ok=$((ok + 1))
	done
	echo "# 019 $1: $ok of 20 answered 200" >&2
	[ "$ok" = 20 ] || fail "$1: only $ok of 20 requests that did not wait were served"
}
served unloaded

queued() { ss -xlH | awk -v p="$T/api.sock" '$5 == p { print $3 }'; }
freeze() { for w in $(api_workers); do kill -STOP "$w"; done; }
thaw() { for w in $(api_workers); do kill -CONT "$w"; done; }
at_exit thaw

freeze
pids=
for i in $(seq 1 "$N"); do
	curl -s -o "$T/body.$i" -D "$T/hdr.$i" -w '%{http_code}\n' --max-time 60 \
	    "$URL/readyz" >"$T/code.$i" 2>/dev/null &
	pids="$pids $!"
done
curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 "$URL/healthz" >"$T/code.healthz" 2>/dev/null &
pids="$pids $!"
python3 "$BS_TOP_SRCDIR/tests/e2e/fcgi-client.py" "$T/api.sock" request ok GET /readyz \
    >"$T/direct.out" 2>&1 &
pids="$pids $!"
wait_for 300 sh -c "[ \"\$(ss -xlH | awk -v p='$T/api.sock' '\$5 == p { print \$3 }')\" -ge $((N + 2)) ]" \
    || { thaw; fail "the requests did not queue (queue: $(queued))"; }
q=$(queued)
sleep 0.5	# they have all waited longer than queue_timeout (200 ms)
thaw
wait $pids	# each bounded (curl --max-time; the client reads one answer)
shed=0 retry=0 problem=0 gw=0 served=0 other=0
for i in $(seq 1 "$N"); do
	c=$(cat "$T/code.$i")
	case "$c" in
	503)	shed=$((shed + 1))
		grep -qi '^Retry-After: 1' "$T/hdr.$i" && retry=$((retry + 1))
		grep -qi '^Content-Type: application/problem+json' "$T/hdr.$i" &&
		    grep -q 'queue_timeout' "$T/body.$i" && problem=$((problem + 1)) ;;
	504)	gw=$((gw + 1)) ;;
	200)	served=$((served + 1)) ;;
	*)	other=$((other + 1)) ;;
	esac
done
hz=$(cat "$T/code.healthz")
echo "# 019 frozen: $q queued; of $N: 503 $shed (Retry-After $retry, problem+json $problem), 504 $gw, 200 $served, other $other; /healthz $hz; direct: $(cat "$T/direct.out")" >&2
[ "$gw" = 0 ] || fail "$gw answers were 504"
[ "$shed" = "$N" ] || fail "only $shed of $N queued requests were shed"
[ "$retry" = "$N" ] || fail "only $retry of $shed 503s had Retry-After: 1"
[ "$problem" = "$N" ] || fail "only $problem of $shed 503s were problem+json naming queue_timeout"
[ "$hz" = 200 ] || fail "/healthz queued behind frozen workers got $hz, not 200"
grep -q '200' "$T/direct.out" || fail "a direct request without REQUEST_START was not served: $(cat "$T/direct.out")"

served after

# --- 2. the defaults, straight to the socket -----------------------------------
api_stop
thaw() { :; }
write_config "$(api_config 'max_requests = 0')"
api_start
fcgi() { python3 "$BS_TOP_SRCDIR/tests/e2e/fcgi-client.py" "$T/api.sock" request ok GET "$@"; }
wait_for 100 sh -c "python3 '$BS_TOP_SRCDIR/tests/e2e/fcgi-client.py' '$T/api.sock' request ok GET /readyz | grep -q 'status 200'" \
    || fail "the daemon on its defaults is not ready"
stale=$(fcgi /readyz -H REQUEST_START=@now-10000)
ahead=$(fcgi /readyz -H REQUEST_START=@now+10000)
junk=$(fcgi /readyz -H REQUEST_START=yesterday)
hzst=$(fcgi /healthz -H REQUEST_START=@now-10000)
st() { printf '%s\n' "$1" | sed -n 's/^status //p'; }
echo "# 019 defaults: started 10 s ago $(st "$stale"), 10 s ahead $(st "$ahead"), unreadable $(st "$junk"), /healthz started 10 s ago $(st "$hzst")" >&2
[ "$(st "$stale")" = 503 ] || fail "a request that waited 10 s was not shed by default: $stale"
printf '%s\n' "$stale" | grep -q 'queue_timeout is 500 ms' || fail "the default is not 500 ms: $stale"
[ "$(st "$ahead")" = 200 ] || fail "a REQUEST_START ahead of the clock was shed: $ahead"
[ "$(st "$junk")" = 200 ] || fail "an unreadable REQUEST_START was shed: $junk"
[ "$(st "$hzst")" = 200 ] || fail "/healthz was shed: $hzst"
backlog=$(ss -xlH | awk -v p="$T/api.sock" '$5 == p { print $4 }')
want=$(( $(cat /proc/sys/net/core/somaxconn) < 4096 ? $(cat /proc/sys/net/core/somaxconn) : 4096 ))
[ "$backlog" = "$want" ] || fail "the socket's backlog is $backlog, want $want ([api] backlog's default)"

# --- 3. a burst over the limit, through nginx, on the defaults --------------------
thaw() { for w in $(api_workers); do kill -CONT "$w"; done; }
log_at=$(wc -l <"$T/api.log")
python3 - "$NGINX_PORT" "$T" <<'PY' >"$T/burst.out" 2>&1 &
import http.client, os, sys, threading, time
port, tdir = int(sys.argv[1]), sys.argv[2]
stop, t_end = os.path.join(tdir, "burst.stop"), time.monotonic() + 60
lock = threading.Lock()
n = {"200": 0, "503": 0, "503 without Retry-After: 1": 0, "504": 0, "other": 0, "failed": 0}
def client():
    c = None
    while not os.path.exists(stop) and time.monotonic() < t_end:
        try:
            if c is None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/readyz")
            r = c.getresponse()
            r.read()
            k = str(r.status) if r.status in (200, 503, 504) else "other"
            if r.status == 503 and r.getheader("Retry-After") != "1":
                k = "503 without Retry-After: 1"
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                c = None
        except (OSError, http.client.HTTPException):
            k = "failed"	# a reset, a refused or cut connection, a timeout
            if c is not None:
                c.close()
            c = None
        with lock:
            n[k] += 1
threads = [threading.Thread(target=client) for _ in range(64)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join("%s=%d" % (k.replace(" ", "_"), v) for k, v in n.items()))
PY
burst=$!
wait_for 100 sh -c "grep -q 'status.:200' '$T/api.log'" || true
for i in 1 2 3; do
	freeze
	sleep 1.5
	thaw
	sleep 0.4
done
touch "$T/burst.stop"
wait "$burst"	# each request bounded (30 s), the whole at 60 s
counts=$(tail -n 1 "$T/burst.out")
cnt() { printf '%s\n' "$counts" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# The daemon's line per request: its status and how long it had waited.
tail -n +"$((log_at + 1))" "$T/api.log" | grep '"msg":"request"' | grep '"path":"/readyz"' |
    sed -n 's/.*"status":\([0-9]*\).*"queued_ms":\(-\{0,1\}[0-9]*\).*/\1 \2/p' >"$T/queued"
late=$(awk '$1 == 200 && $2 > 500' "$T/queued" | wc -l)
early=$(awk '$1 == 503 && $2 <= 500' "$T/queued" | wc -l)
lines=$(wc -l <"$T/queued")
echo "# 019 burst: $counts; daemon lines $lines: 200 after more than 500 ms $late, 503 within 500 ms $early" >&2
[ "$(cnt 504)" = 0 ] || fail "$(cnt 504) answers of the burst were 504"
[ "$(cnt failed)" = 0 ] || fail "$(cnt failed) requests of the burst failed (reset, refused, timed out)"
[ "$(cnt other)" = 0 ] || fail "$(cnt other) answers of the burst were neither 200 nor 503"
[ "$(cnt 503_without_Retry-After:_1)" = 0 ] || fail "$(cnt 503_without_Retry-After:_1) 503s lacked Retry-After: 1"
[ "$(cnt 503)" -gt 0 ] || fail "nothing was shed while the workers were frozen"
[ "$(cnt 200)" -gt 0 ] || fail "nothing was served between the freezes"
[ "$lines" -ge $(( $(cnt 200) + $(cnt 503) )) ] || fail "the daemon logged $lines requests for $(( $(cnt 200) + $(cnt 503) )) answers"
[ "$late" = 0 ] || fail "$late requests were served after waiting past queue_timeout (500 ms)"
[ "$early" = 0 ] || fail "$early requests were shed within queue_timeout (500 ms)"
pass
