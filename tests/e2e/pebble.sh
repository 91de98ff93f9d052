#!/usr/bin/env bash
# tests/e2e/pebble.sh: a local ACME CA on loopback for `./stack up` and for
# scripts: Pebble (Debian package pebble) and pebble-challtestsrv as its
# DNS, on free ports, everything under one folder.
#
#   pebble.sh start DIR HTTP_PORT [VAR=value...]
#	makes DIR, a TLS certificate for Pebble's own listener (the package
#	ships none), starts both servers (Pebble validates HTTP-01 on
#	HTTP_PORT, where nginx serves the ACME webroot; every *.test name
#	resolves to 127.0.0.1), waits for the directory, fetches the issuing
#	root, and writes DIR/pebble.env:
#	    PEBBLE_DIR_URL   the ACME directory URL  ([acme] directory_url)
#	    PEBBLE_TLS_CA    CA of Pebble's listener ([acme] ca_bundle)
#	    PEBBLE_ROOT      the root the issued chains lead to (regenerated at
#	                     every start: clients must trust this one)
#	    PEBBLE_MGMT_URL  the management interface (roots, cert status)
#	    PEBBLE_DNS       pebble-challtestsrv's DNS, HOST:PORT (what Pebble
#	                     resolves with; [dns] nameservers for DNS-01)
#	    PEBBLE_CTS_URL   pebble-challtestsrv's management API (add-a, set-txt)
#	VAR=value pairs go to Pebble's environment (PEBBLE_WFE_NONCEREJECT=50).
#	PEBBLE_VA_NOSLEEP=1 is always set.
#   pebble.sh stop DIR
#	stops what start started (by the pids it recorded).
set -u
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,23s/^# \{0,1\}//p' "$0" >&2; exit 2; }

. "$(dirname "$0")/free-port.sh"

stop() {
	local p
	for p in $(cat "$dir/pids" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	rm -f "$dir/pids"
}

case "$cmd" in
stop)
	stop
	exit 0 ;;
start)
	http_port=${3:?pebble.sh start DIR HTTP_PORT}
	shift 3 ;;
*)
	echo "pebble.sh: unknown command $cmd" >&2
	exit 2 ;;
esac

command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null ||
    { echo "pebble.sh: pebble is not installed (apt-get install pebble)" >&2; exit 1; }
stop
mkdir -p "$dir"
(
	cd "$dir" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout tls-ca.key -out tls-ca.pem -days 30 \
	    -subj "/CN=bootstack local Pebble listener CA"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout localhost.key -out localhost.csr -subj "/CN=localhost"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
	openssl x509 -req -in localhost.csr -CA tls-ca.pem -CAkey tls-ca.key \
	    -CAcreateserial -out localhost.pem -days 30 -extfile ext.cnf
) >"$dir/openssl.log" 2>&1 || { echo "pebble.sh: openssl failed (see $dir/openssl.log)" >&2; exit 1; }
acme=$(free_port)
mgmt=$(free_port)
dns=$(free_port)
cts=$(free_port)
cat >"$dir/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme",
 "managementListenAddress": "127.0.0.1:$mgmt",
 "certificate": "$dir/localhost.pem", "privateKey": "$dir/localhost.key",
 "httpPort": $http_port, "tlsPort": $(free_port), "ocspResponderURL": "",
 "externalAccountBindingRequired": false}}
JSON
nohup pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
    -dns01 "127.0.0.1:$dns" -http01 "" -https01 "" -tlsalpn01 "" \
    -management "127.0.0.1:$cts" >"$dir/challtestsrv.log" 2>&1 </dev/null &
echo $! >>"$dir/pids"
env PEBBLE_VA_NOSLEEP=1 "$@" nohup pebble -config "$dir/pebble.json" \
    -dnsserver "127.0.0.1:$dns" -strict=false >"$dir/pebble.log" 2>&1 </dev/null &
echo $! >>"$dir/pids"
for i in $(seq 100); do
	curl -sf --cacert "$dir/tls-ca.pem" -o /dev/null "https://127.0.0.1:$acme/dir" && break
	sleep 0.1
done
curl -sf --cacert "$dir/tls-ca.pem" -o "$dir/root.pem" \
    "https://127.0.0.1:$mgmt/roots/0" ||
    { stop; echo "pebble.sh: Pebble did not start (see $dir/pebble.log)" >&2; exit 1; }
cat >"$dir/pebble.env" <<ENV
PEBBLE_DIR_URL=https://127.0.0.1:$acme/dir
PEBBLE_TLS_CA=$dir/tls-ca.pem
PEBBLE_ROOT=$dir/root.pem
PEBBLE_MGMT_URL=https://127.0.0.1:$mgmt
PEBBLE_DNS=127.0.0.1:$dns
PEBBLE_CTS_URL=http://127.0.0.1:$cts
ENV
