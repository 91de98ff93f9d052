#!/usr/bin/env bash
# 019-overload: with every worker busy, what waited past [api] queue_timeout
# is shed with 503 + Retry-After, never left to nginx's 504. nginx passes
# REQUEST_START ($msec, as nginx/fastcgi.conf does); both workers are
# SIGSTOPped (as if each ran a long request), N requests queue on the
# socket (seen in its accept queue), and once they have waited longer than
# queue_timeout the workers go on: each queued request must get 503 with
# Retry-After and a problem+json body, none 504 nor 200. /healthz queued
# the same way is still answered 200. Before and after, requests that do
# not wait are served 200. A request straight to the socket (no
# REQUEST_START) queued the same way is served, not shed. Prints the counts.
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
pass
