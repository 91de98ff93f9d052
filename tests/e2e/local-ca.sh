#!/usr/bin/env bash
# local-ca.sh DIR NAME...: a private certificate authority and one server
# certificate for NAME... (DNS names, or IP addresses), for the local stack
# and the end-to-end tests, until ACME replaces it (docs/nginx.md).
#
# Writes DIR/ca.pem (trust this one: curl --cacert DIR/ca.pem), DIR/ca.key,
# DIR/server.pem (the certificate; the CA itself need not be sent) and
# DIR/server.key. Keys are EC P-256, mode 0600. An existing CA is kept; the
# server certificate is made again when the names change or it has less
# than 30 days left. Only the openssl command-line tool is used; nothing
# leaves the machine.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 DIR NAME..." >&2; exit 2; }
dir=$1
shift
umask 077
mkdir -p "$dir"
cd "$dir"

if [ ! -s ca.pem ] || [ ! -s ca.key ] || ! openssl x509 -in ca.pem -noout -checkend 2592000 >/dev/null; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout ca.key -out ca.pem -days 825 -sha256 \
	    -subj "/O=bootstack/CN=bootstack local CA $(hostname -s 2>/dev/null || echo host)" \
	    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	rm -f server.pem
	chmod 644 ca.pem
fi

san=
for n in "$@"; do
	case "$n" in
	*[!0-9.]*) case "$n" in *:*) san="$san,IP:$n" ;; *) san="$san,DNS:$n" ;; esac ;;
	*) san="$san,IP:$n" ;;
	esac
done
san=${san#,}

if [ ! -s server.pem ] || [ "$(cat server.names 2>/dev/null)" != "$san" ] \
    || ! openssl x509 -in server.pem -noout -checkend 2592000 >/dev/null; then
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout server.key -out server.csr -subj "/CN=$1" 2>/dev/null
	printf '%s\n' "subjectAltName=$san" "basicConstraints=critical,CA:FALSE" \
	    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
	    >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 90 -sha256 -extfile server.ext -out server.pem 2>/dev/null
	rm -f server.csr server.ext
	printf '%s\n' "$san" >server.names
	chmod 644 server.pem
fi
