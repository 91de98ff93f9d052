#!/usr/bin/env bash
# 044-nginx-metrics: /metrics (and /status) through the public server block is refused
# (403, problem+json) to a client with a real, non-loopback address, and
# reaches the API from loopback.
#
# A loopback alias such as 127.0.0.2 would only prove "127.0.0.1 is not
# 127.0.0.2"; so this test builds a small private network instead: two
# network namespaces joined by a veth pair, nginx in one (198.51.100.249, and
# its own loopback), the client in the other (198.51.100.250). The addresses
# (TEST-NET-2, RFC 5737) exist only inside the namespaces, which are deleted
# at exit; bootstack-api stays on the host and is reached through its unix
# socket, which namespaces do not separate. Needs root: skipped (ok, with a note) without.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# network namespaces need root: skipped"
	pass
fi
command -v ip >/dev/null || fail "ip (iproute2) is not installed"

NS_S=bs-srv-$$
NS_C=bs-cli-$$
ip netns add "$NS_S" || fail "ip netns add"
at_exit "ip netns del $NS_S"
ip netns add "$NS_C" || fail "ip netns add"
at_exit "ip netns del $NS_C"
ip link add bs0 netns "$NS_S" type veth peer name bs1 netns "$NS_C" || fail "veth pair"
ip -n "$NS_S" addr add 198.51.100.249/30 dev bs0 || fail "address"
ip -n "$NS_C" addr add 198.51.100.250/30 dev bs1 || fail "address"
for ns in "$NS_S" "$NS_C"; do
	ip -n "$ns" link set lo up
done
ip -n "$NS_S" link set bs0 up
ip -n "$NS_C" link set bs1 up

nginx_tls_prepare
{
	api_config
	printf '[database]\nhost = %s/nopg\nconnect_timeout = 1\n\n' "$T"
	printf '%s\n' "$NGINX_TLS_INI"
} >"$BS_CONF"
api_start

# The namespace has its own ports: the production 80 and 443, on its
# loopback and on the veth address.
export BOOTSTACK_NGINX_LISTEN_HTTP="127.0.0.1:80 198.51.100.249:80"
export BOOTSTACK_NGINX_LISTEN_HTTPS="127.0.0.1:443 198.51.100.249:443"
# nginx -t binds the addresses it checks: run it where they exist.
export BOOTSTACK_NGINX_TEST_COMMAND="ip netns exec $NS_S nginx -t -q -c $T/nginx/nginx.conf"
nginx_main_conf "$T/nginx/nginx.conf" "$T/nginx/conf/http.conf"
"$BS_BIN" nginx render --check >"$T/render.log" 2>&1 || fail "render: $(cat "$T/render.log")"
ip netns exec "$NS_S" nginx -c "$T/nginx/nginx.conf" -e "$T/nginx-error.log" \
    || fail "nginx did not start in the namespace"
at_exit nginx_stop

# in NS ADDR PATH [curl args]: status of https://api.bootstack.test/PATH
# from namespace NS, the name resolved to ADDR; body in $T/body.
in_ns() {
	local ns=$1 addr=$2 path=$3
	shift 3
	ip netns exec "$ns" curl -s --cacert "$BS_CA" -o "$T/body" -w '%{http_code}' \
	    --resolve "api.bootstack.test:443:$addr" "$@" "https://api.bootstack.test$path"
}

wait_for 50 in_ns "$NS_C" 198.51.100.249 /healthz || fail "nginx not reachable over the veth"
[ "$(in_ns "$NS_C" 198.51.100.249 /healthz)" = 200 ] || fail "public /healthz from 198.51.100.250"
[ "$(in_ns "$NS_C" 198.51.100.249 /metrics -D "$T/h")" = 403 ] \
    || fail "/metrics from 198.51.100.250 not refused: $(cat "$T/body")"
grep -qi '^content-type: application/problem+json' "$T/h" || fail "403 type"
python3 - "$T/body" <<'PY' || fail "403 body: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == 403 and d["title"] == "Forbidden" and len(d["request_id"]) == 32, d
PY
grep -q '^api.bootstack.test 198.51.100.250 .*"GET /metrics HTTP/[0-9.]*" 403 ' "$T/nginx-access.log" \
    || fail "the 403 is not logged with the client's address"
# The same server block from the machine itself: reaches the API (404 until
# the API has a /metrics route, then 200), never nginx's 403.
r=$(in_ns "$NS_S" 127.0.0.1 /metrics)
[ "$r" = 404 ] || [ "$r" = 200 ] || fail "/metrics from loopback: $r"
[ "$r" = 200 ] || grep -q '"instance":"/metrics"' "$T/body" || fail "loopback 404 not the API's"
# /status (the pool's status page) has the same policy.
[ "$(in_ns "$NS_C" 198.51.100.249 /status)" = 403 ] || fail "/status from 198.51.100.250 not refused"
[ "$(in_ns "$NS_C" 198.51.100.249 '/status?full&json')" = 403 ] || fail "/status?full from 198.51.100.250 not refused"
[ "$(in_ns "$NS_S" 127.0.0.1 '/status?full')" = 200 ] || fail "/status from loopback: $(cat "$T/body")"
grep -q '^pool: *bootstack-api' "$T/body" || fail "/status from loopback: $(cat "$T/body")"
pass
