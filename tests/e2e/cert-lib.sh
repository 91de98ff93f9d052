# tests/e2e/cert-lib.sh: what the certificate scripts (050, 051) share
# (sourced after lib.sh): a real ACME server, Pebble + pebble-challtestsrv
# (its DNS: every *.test name is 127.0.0.1), and a real nginx that serves
# the HTTP-01 webroot on Pebble's httpPort and, once tls.conf is written,
# the certificate on $TLS_PORT.
#
# Set before sourcing: CERT_NS=NAME runs Pebble and pebble-challtestsrv
# in that network namespace (on its loopback; the caller made it), so
# Pebble's VA can reach front ends in namespaces linked to it (105);
# CERT_VA_PROXY=1 puts tests/e2e/fault-proxy.py
# between Pebble's VA and nginx (rules: $T/va.rules), CERT_ACME_PROXY=1
# between bootstack and Pebble (rules: $T/acme.rules; new_orders counts
# the newOrder requests it saw). CERT_CA=acme-server runs
# tests/e2e/acme-server.py instead of Pebble, for what Pebble 2.4 lacks
# (profiles, ARI): ctl GET|POST PATH [JSON] talks to its control port,
# ctl_count NAME reads one of its request counts.
#
# Provided: pebble_start [VAR=value...] / pebble_stop, cert_config [LINES],
# cert ARGS (sets $rc $out $err), tls_serve, ngx_reload, file_serial,
# served_serial, served_is, status_field KEY, $CERT_ALERTS, iso, epoch,
# renew_from, status_next, $LIVE, $NGX, the ports.

CERT_CA=${CERT_CA:-pebble}
if [ "$CERT_CA" = pebble ]; then
	command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null ||
	    fail "pebble not installed (Debian package pebble; ./stack deps)"
else
	python3 -c 'import cryptography' 2>/dev/null ||
	    fail "acme-server.py needs python3-cryptography (./stack deps)"
fi

# --- Pebble's own TLS certificate (the package ships none) ----------------
mkdir -p "$T/pki" "$T/webroot" "$T/state" "$T/nginx"
(
	cd "$T/pki" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout ca.key -out ca.pem -days 2 -subj "/CN=bootstack test minica"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout localhost.key -out localhost.csr -subj "/CN=localhost"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
	openssl x509 -req -in localhost.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out localhost.pem -days 2 -extfile ext.cnf
) >"$T/openssl.log" 2>&1 || fail "cannot make Pebble's TLS certificate"

ACME_PORT=$(free_port)
MGMT_PORT=$(free_port)
HTTP_PORT=$(free_port)		# where Pebble validates HTTP-01: nginx
NGINX_HTTP_PORT=$HTTP_PORT	# nginx's webroot (behind the VA proxy if any)
[ -z "${CERT_VA_PROXY:-}" ] || NGINX_HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)		# nginx's HTTPS
DNS_PORT=$(free_port)
CTS_PORT=$(free_port)
cat >"$T/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$ACME_PORT",
 "managementListenAddress": "127.0.0.1:$MGMT_PORT",
 "certificate": "$T/pki/localhost.pem", "privateKey": "$T/pki/localhost.key",
 "httpPort": $HTTP_PORT, "tlsPort": $(free_port), "ocspResponderURL": "",
 "externalAccountBindingRequired": false}}
JSON

CERT_NS_EXEC=${CERT_NS:+ip netns exec $CERT_NS}
if [ "$CERT_CA" = pebble ]; then
	$CERT_NS_EXEC pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
	    -dns01 "127.0.0.1:$DNS_PORT" -http01 "" -https01 "" -tlsalpn01 "" \
	    -management "127.0.0.1:$CTS_PORT" >"$T/challtestsrv.log" 2>&1 &
	CTS_PID=$!
	at_exit 'kill $CTS_PID; wait $CTS_PID'
fi

# Starts Pebble with the environment given as arguments (VAR=value ...).
pebble_start() {
	$CERT_NS_EXEC env PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 "$@" \
	    pebble -config "${PEBBLE_CONF:-$T/pebble.json}" -dnsserver "127.0.0.1:$DNS_PORT" \
	    -strict=false >>"$T/pebble.log" 2>&1 &
	PEBBLE_PID=$!
	wait_for 100 $CERT_NS_EXEC curl -sf --cacert "$T/pki/ca.pem" \
	    "https://127.0.0.1:$ACME_PORT/dir" || fail "Pebble did not start"
	$CERT_NS_EXEC curl -sf --cacert "$T/pki/ca.pem" -o "$T/root.pem" \
	    "https://127.0.0.1:$MGMT_PORT/roots/0" || fail "no Pebble root"
}
pebble_stop() {
	[ -n "${PEBBLE_PID:-}" ] || return 0
	kill "$PEBBLE_PID" 2>/dev/null
	wait "$PEBBLE_PID" 2>/dev/null
	PEBBLE_PID=
}
at_exit pebble_stop

# Starts fault-proxy.py NAME on port $1 in front of $2 (more options after);
# its rules are $T/NAME.rules, its log $T/NAME-proxy.log.
fault_proxy() {
	local name=$1 port=$2 up=$3
	shift 3
	: >"$T/$name.rules"
	python3 "$BS_TOP_SRCDIR/tests/e2e/fault-proxy.py" --listen "$port" \
	    --upstream "$up" --rules "$T/$name.rules" --log "$T/$name-proxy.log" \
	    "$@" >"$T/$name-proxy.out" 2>&1 &
	at_exit "kill $!"
	wait_for 100 grep -q listening "$T/$name-proxy.out" ||
	    fail "fault-proxy.py $name did not start"
}
# CERT_VA_PROXY: Pebble's VA reaches nginx through the "va" proxy.
[ -z "${CERT_VA_PROXY:-}" ] ||
    fault_proxy va "$HTTP_PORT" "http://127.0.0.1:$NGINX_HTTP_PORT"
# CERT_ACME_PROXY: bootstack reaches Pebble through the "acme" proxy.
ACME_URL=https://127.0.0.1:$ACME_PORT/dir
if [ -n "${CERT_ACME_PROXY:-}" ]; then
	ACME_PROXY_PORT=$(free_port)
	fault_proxy acme "$ACME_PROXY_PORT" "https://127.0.0.1:$ACME_PORT" \
	    --cert "$T/pki/localhost.pem" --key "$T/pki/localhost.key" \
	    --cafile "$T/pki/ca.pem"
	ACME_URL=https://127.0.0.1:$ACME_PROXY_PORT/dir
fi
# How many orders bootstack placed (through the acme proxy).
new_orders() { grep -c '^POST /order-plz ' "$T/acme-proxy.log" 2>/dev/null; }
if [ "$CERT_CA" = pebble ]; then
	pebble_start
else
	CTL_PORT=$(free_port)
	python3 "$BS_TOP_SRCDIR/tests/e2e/acme-server.py" --listen "$ACME_PORT" \
	    --cert "$T/pki/localhost.pem" --key "$T/pki/localhost.key" \
	    --control "$CTL_PORT" --http-port "$HTTP_PORT" \
	    --log "$T/acme-server.log" >"$T/acme-server.out" 2>&1 &
	at_exit "kill $!; wait $!"
	wait_for 100 grep -q listening "$T/acme-server.out" ||
	    fail "acme-server.py did not start: $(cat "$T/acme-server.out")"
fi
# ctl GET PATH | ctl POST PATH JSON: acme-server.py's control port.
ctl() {
	curl -sf -X "$1" ${3:+-H 'Content-Type: application/json' --data "$3"} \
	    "http://127.0.0.1:$CTL_PORT$2"
}
# ctl_count NAME: how many requests of that kind it answered (0 if none).
ctl_count() {
	ctl GET /counts | python3 -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"
}
# Dates: iso SECONDS (RFC 3339, UTC), epoch DATE; renew_from: the date
# "www: not due (..., renewal from DATE)" in $out; status_next: the
# NEXT-RENEWAL that cert status prints for www.
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
epoch() { date -u -d "$1" +%s; }
renew_from() { echo "$out" | sed -n 's/^www: not due (expires [^,]*, renewal from \([^)]*\)).*/\1/p'; }
status_next() { "$BS_BIN" cert status www | awk 'NR == 2 { print $4 }'; }

# --- nginx: the webroot on HTTP_PORT; HTTPS added after the first issuance --
NGX="nginx -c $T/nginx/nginx.conf -e $T/nginx-error.log"
cat >"$T/nginx/nginx.conf" <<NGINX
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 64; }
http {
	access_log $T/nginx-access.log;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$NGINX_HTTP_PORT;
		location ^~ /.well-known/acme-challenge/ {
			root $T/webroot;
			default_type text/plain;
			try_files \$uri =404;
		}
		location / { return 301 https://\$host\$request_uri; }
	}
	include $T/nginx/tls*.conf;
}
NGINX
$NGX || fail "nginx did not start"
at_exit 'kill -QUIT $(cat $T/nginx/nginx.pid)'

# $1: extra [cert www] lines (default: nginx -t and reload); $POLL_TIMEOUT;
# $CHECK_ENDPOINT (default: nginx's HTTPS, 127.0.0.1:$TLS_PORT).
cert_config() {
	cat >"$BS_CONF" <<CONF
[acme]
directory_url = $ACME_URL
email = ops@example.test
agree_tos = yes
ca_bundle = $T/pki/ca.pem
state_dir = $T/state
poll_timeout = ${POLL_TIMEOUT:-20}

[cert www]
names = www.example.test, example.test
webroot = $T/webroot
check_endpoint = ${CHECK_ENDPOINT:-127.0.0.1:$TLS_PORT}
${1:-test_command = $NGX -t -q
reload_command = $NGX -s reload}
CONF
}

LIVE=$T/state/live/www
# Runs bootstack cert "$@"; sets $rc, $out, $err.
cert() {
	"$BS_BIN" cert "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# nginx serves $LIVE's certificate on $TLS_PORT (after the first issuance).
tls_serve() {
	cat >"$T/nginx/tls.conf" <<NGINX
server {
	listen 127.0.0.1:$TLS_PORT ssl;
	server_name www.example.test example.test;
	ssl_certificate $LIVE/fullchain.pem;
	ssl_certificate_key $LIVE/privkey.pem;
	location / { return 200 "hello\n"; }
}
NGINX
	ngx_reload || fail "nginx reload failed"
}
# Reloads the test's nginx and returns once the workers from before it are
# gone. nginx's master starts the new workers, waits 100 ms, and only then
# tells the old ones to quit, so for a moment both accept: a look just
# after a reload may meet either certificate.
ngx_reload() {
	local master old p i
	master=$(cat "$T/nginx/nginx.pid") || return 1
	old=$(pgrep -P "$master")
	$NGX -s reload || return 1
	for i in $(seq 200); do
		for p in $old; do
			kill -0 "$p" 2>/dev/null && break
			p=
		done
		[ -z "$p" ] && return 0
		sleep 0.05
	done
	echo "# nginx: workers $old still up 10 s after a reload" >&2
	return 1
}
file_serial() { openssl x509 -in "$LIVE/cert.pem" -noout -serial | cut -d= -f2; }
served_serial() {
	openssl s_client -connect "127.0.0.1:$TLS_PORT" \
	    -servername www.example.test </dev/null 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null | cut -d= -f2
}
# Waits until nginx serves serial $1 (a reload takes a moment).
served_is() {
	local i
	for i in $(seq 50); do
		[ "$(served_serial)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# status_field KEY: www.status.json's KEY ("installed.serial" reaches into
# an object), "" for null or missing, true/false for a boolean.
status_field() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v.get(k) if isinstance(v, dict) else None
print("" if v is None else str(v).lower() if isinstance(v, bool) else v)' \
	    "$T/state/www.status.json" "$1"
}
# The alert rule on www's renewals, for cert_config's LINES.
CERT_ALERTS="
[alerts]
state_file = $T/alerts.json

[alert renew]
kind = cert_renew_failed
cert = www
"

