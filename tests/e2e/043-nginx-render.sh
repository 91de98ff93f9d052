#!/usr/bin/env bash
# 043-nginx-render: `bootstack nginx render` and `nginx password` as an
# operator uses them. `nginx -t` accepts every configuration the templates
# make (production ports with IPv6, a wildcard with aliases and several
# addresses, no certificate yet, several TCP upstreams); a second render changes
# nothing; a configuration nginx refuses is rolled back; a bad value is
# refused before anything is written; the bootstrap path (HTTP only for the
# ACME challenge, then a certificate and `render --reload`) works on a live
# nginx; beside another site of the same nginx (a certbot-managed vhost that
# is the default server), bootstack claims no default_server: both serve
# their names and undeclared names reach the other site, until [nginx]
# default_server = yes; htpasswd files are never open to others. No API,
# no PostgreSQL.
. "$(dirname "$0")/lib.sh"

bash "$BS_TOP_SRCDIR/tests/e2e/local-ca.sh" "$T/tls" $BS_NAMES example.com \
    www.example.com api.example.com >"$T/local-ca.log" 2>&1 || fail "local-ca.sh"

# variant NAME [INI...]: writes $T/NAME.conf (a site under $T/NAME, its own
# main nginx.conf as test_command's target) with INI lines appended.
variant() {
	local name=$1 d=$T/$1
	shift
	mkdir -p "$d"
	nginx_main_conf "$d/nginx.conf" "$d/conf/http.conf" "$d/nginx.pid"
	{
		printf '[api]\nlisten = %s/api.sock\n' "$T"
		printf '%s\n' "$@"
		printf '[nginx]\nconf_dir = %s/conf\ntemplate_dir = %s/nginx\n' "$d" "$BS_TOP_BUILDDIR"
		printf 'webroot = %s/acme\nops_root = %s/ops\nhtpasswd_file = %s/htpasswd\n' "$d" "$d" "$d"
		printf 'access_log = %s/log/access.log\nerror_log = %s/log/error.log\n' "$d" "$d"
		printf 'test_command = nginx -t -q -c %s/nginx.conf\n' "$d"
		printf 'reload_command = nginx -s reload -c %s/nginx.conf\n' "$d"
		printf '%s\n' "${VARIANT_NGINX:-}"
	} >"$T/$name.conf"
}

# render NAME [ARGS]: bootstack nginx render --check on variant NAME.
render() {
	local name=$1
	shift
	"$BS_BIN" -c "$T/$name.conf" nginx render --check "$@" >"$T/$name.out" 2>"$T/$name.err"
}

SITE_TLS="cert_file = $T/tls/server.pem
key_file = $T/tls/server.key"

# --- nginx -t on every shape of configuration ---------------------------------
# nginx -t binds the addresses it checks (a port in use is forgiven): the
# production ports 80 and 443 need root, IPv6 needs a kernel with it on.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	V6=yes V6_HTTP=" [::1]:8080" V6_HTTPS=" [::1]:8443"
else
	echo "# no IPv6 here: IPv6 listeners not checked by nginx -t"
	V6=no V6_HTTP= V6_HTTPS=
fi
if [ "$(id -u)" = 0 ]; then
	PROD_HTTP=80 PROD_HTTPS=443 PROD_NGINX=
else
	PROD_HTTP=$(free_port) PROD_HTTPS=$(free_port)
	PROD_NGINX="listen_http = $PROD_HTTP
listen_https = $PROD_HTTPS"
fi
VARIANT_NGINX="$PROD_NGINX" variant prod "[site]" "domain = example.com" "subdomains = www api" \
    "ipv6 = $V6" "$SITE_TLS"
render prod || fail "production shape: $(cat "$T/prod.err")"
[ "$V6" = no ] || grep -q "listen \[::\]:$PROD_HTTPS ssl http2;" \
    "$T/prod/conf/https.conf" || fail "no IPv6 listener"
[ "$PROD_HTTPS" != 443 ] || grep -q 'return 308 https://$host$request_uri;' \
    "$T/prod/conf/servers.conf" || fail "port 443 redirect must not name the port"
[ "$(stat -c %a "$T/prod/conf/http.conf")" = 644 ] || fail "conf mode"
[ -d "$T/prod/acme/.well-known/acme-challenge" ] || fail "ACME webroot not made"
[ -d "$T/prod/log" ] && [ -d "$T/prod/ops" ] || fail "folders not made"
[ "$(stat -c %a "$T/prod/htpasswd")" = 640 ] || fail "htpasswd not 0640"
[ ! -s "$T/prod/htpasswd" ] || fail "htpasswd not empty"
grep -q '{{\|@pkgdatadir@' "$T"/prod/conf/*.conf && fail "unfilled placeholder"

VARIANT_NGINX="listen_http = 127.0.0.1:8080$V6_HTTP
listen_https = 127.0.0.1:8443 127.0.0.2:8443$V6_HTTPS
upstream = 127.0.0.1:9000 weight=2 max_fails=3 fail_timeout=5s, [::1]:9000, 127.0.0.2:9000 backup
rate = 5
burst = 0" variant wild "[site]" "domain = Bootstack.TEST" "subdomains = api www" \
    "wildcard = yes" "aliases = localhost" "$SITE_TLS"
render wild || fail "wildcard shape: $(cat "$T/wild.err")"
grep -q 'server_name bootstack.test api.bootstack.test www.bootstack.test \*.bootstack.test localhost;' \
    "$T/wild/conf/https.conf" || fail "wildcard server_name: $(grep server_name "$T/wild/conf/https.conf")"
grep -q 'server 127.0.0.1:9000 weight=2 max_fails=3 fail_timeout=5s;' "$T/wild/conf/http.conf" \
    && grep -q 'server \[::1\]:9000;' "$T/wild/conf/http.conf" \
    && grep -q 'server 127.0.0.2:9000 backup;' "$T/wild/conf/http.conf" \
    || fail "TCP upstreams: $(grep -A4 'upstream bootstack_api' "$T/wild/conf/http.conf")"
grep -q '^fastcgi_next_upstream_tries 3;' "$T/wild/conf/fastcgi.conf" || fail "tries != servers"
grep -q 'return 308 https://$host:8443$request_uri;' "$T/wild/conf/servers.conf" || fail "port in redirect"
"$BS_BIN" -c "$T/wild.conf" nginx names >"$T/names" || fail "nginx names"
[ "$(tr '\n' ' ' <"$T/names")" = "bootstack.test api.bootstack.test www.bootstack.test *.bootstack.test localhost " ] \
    || fail "names: $(cat "$T/names")"

VARIANT_NGINX="listen_http = 127.0.0.1:$(free_port)
listen_https = 127.0.0.1:$(free_port)" variant bare "[site]" "domain = example.com" "ipv6 = no"
render bare || fail "HTTP-only shape: $(cat "$T/bare.err")"
[ ! -e "$T/bare/conf/https.conf" ] || fail "https.conf without a certificate"
grep -q 'HTTPS is off' "$T/bare.err" || fail "no note about HTTPS being off"

VARIANT_NGINX="upstream = unix:$T/other.sock
$PROD_NGINX" variant stdin "[site]" "domain = example.com" "ipv6 = $V6" "$SITE_TLS"
sed -i "s|^listen = .*|listen = stdin|" "$T/stdin.conf"
render stdin || fail "stdin + upstream: $(cat "$T/stdin.err")"
grep -q "server unix:$T/other.sock;" "$T/stdin/conf/http.conf" || fail "explicit upstream"

# --- a second render changes nothing -------------------------------------------
before=$(stat -c %Y.%i "$T/prod/conf/http.conf")
render prod || fail "second render"
grep -q ': unchanged$' "$T/prod.out" || fail "second render wrote: $(cat "$T/prod.out")"
[ "$(stat -c %Y.%i "$T/prod/conf/http.conf")" = "$before" ] || fail "file rewritten"

# --- nginx refuses: the old files come back -----------------------------------
cat "$T"/prod/conf/*.conf | md5sum >"$T/prod.sum"
sed -i "s|^key_file = .*|key_file = $T/tls/missing.key|" "$T/prod.conf"
render prod && fail "render --check passed with a missing key"
grep -q "failed (exit 1)" "$T/prod.err" || fail "no nginx verdict: $(cat "$T/prod.err")"
grep -q "missing.key" "$T/prod.err" || fail "nginx's reason not shown: $(cat "$T/prod.err")"
grep -q "previous files are back" "$T/prod.err" || fail "no roll back: $(cat "$T/prod.err")"
cat "$T"/prod/conf/*.conf | md5sum | cmp -s - "$T/prod.sum" || fail "files changed after a failed check"
nginx -t -q -c "$T/prod/nginx.conf" || fail "rolled back configuration invalid"

# --- a bad value: refused, nothing written --------------------------------------
VARIANT_NGINX="" variant evil "[site]" "domain = example.com; include /etc/shadow" "$SITE_TLS"
render evil && fail "a domain with ';' was accepted"
grep -q "\[site\] domain: 'example.com; include /etc/shadow' is not a host name" "$T/evil.err" \
    || fail "bad domain message: $(cat "$T/evil.err")"
[ ! -e "$T/evil/conf" ] || fail "files written for a bad config"

# --- bootstrap: HTTP only, then the certificate and a reload -------------------
HP=$(free_port)
SP=$(free_port)
VARIANT_NGINX="listen_http = 127.0.0.1:$HP
listen_https = 127.0.0.1:$SP" variant live "[site]" "domain = bootstack.test" "subdomains = api" "ipv6 = no"
render live || fail "live, HTTP only: $(cat "$T/live.err")"
nginx -c "$T/live/nginx.conf" -e "$T/nginx-error.log" || fail "nginx did not start"
at_exit "kill -QUIT \$(cat $T/live/nginx.pid)"
echo token-body >"$T/live/acme/.well-known/acme-challenge/t1"
C=(curl -s --resolve "api.bootstack.test:$HP:127.0.0.1" --resolve "api.bootstack.test:$SP:127.0.0.1" --cacert "$T/tls/ca.pem")
[ "$("${C[@]}" "http://api.bootstack.test:$HP/.well-known/acme-challenge/t1")" = token-body ] \
    || fail "ACME challenge not served before the certificate"
[ "$("${C[@]}" -o "$T/body" -w '%{http_code}' "http://api.bootstack.test:$HP/healthz")" = 503 ] \
    || fail "HTTP-only: not 503"
grep -q '"status":503' "$T/body" || fail "HTTP-only 503 body: $(cat "$T/body")"
VARIANT_NGINX="listen_http = 127.0.0.1:$HP
listen_https = 127.0.0.1:$SP" variant live "[site]" "domain = bootstack.test" "subdomains = api" "ipv6 = no" \
    "$SITE_TLS"
render live --reload || fail "render --reload: $(cat "$T/live.err")"
grep -q "nginx reloaded" "$T/live.out" || fail "no reload line"
wait_for 50 sh -c "[ \"\$(${C[*]} -o /dev/null -w '%{http_code}' http://api.bootstack.test:$HP/x)\" = 308 ]" \
    || fail "no redirect after the reload"
# (502: there is no API behind this nginx; old workers may take a moment.)
wait_for 50 sh -c "[ \"\$(${C[*]} -o /dev/null -w '%{http_code}' https://api.bootstack.test:$SP/healthz)\" = 502 ]" \
    || fail "HTTPS after the reload: $("${C[@]}" -o /dev/null -w '%{http_code}' "https://api.bootstack.test:$SP/healthz")"

# --- beside other sites: a certbot-managed vhost in the same nginx ------------------
# Debian's layout: the main nginx.conf includes conf.d/*.conf (bootstack's
# http.conf) and sites-enabled/* (the operator's sites, one of them the
# default_server, its certificate where certbot keeps it). bootstack claims
# no default by default: both serve, each its own names, and names nobody
# declared reach the other site's default server.
B=$T/beside
OP=$(free_port)
OS=$(free_port)
mkdir -p "$B/conf.d" "$B/sites-enabled" "$B/www" "$B/letsencrypt/live/other.test" "$B/letsencrypt/archive"
bash "$BS_TOP_SRCDIR/tests/e2e/local-ca.sh" "$B/le" other.test >"$T/local-ca-other.log" 2>&1 || fail "local-ca.sh other"
cp "$B/le/server.pem" "$B/letsencrypt/archive/fullchain1.pem"
cp "$B/le/server.key" "$B/letsencrypt/archive/privkey1.pem"
ln -s ../../archive/fullchain1.pem "$B/letsencrypt/live/other.test/fullchain.pem"
ln -s ../../archive/privkey1.pem "$B/letsencrypt/live/other.test/privkey.pem"
# certbot's options-ssl-nginx.conf (its shape: session cache, protocols)
cat >"$B/letsencrypt/options-ssl-nginx.conf" <<'NGINX'
ssl_session_cache shared:le_nginx_SSL:10m;
ssl_session_timeout 1440m;
ssl_session_tickets off;
ssl_protocols TLSv1.2 TLSv1.3;
ssl_prefer_server_ciphers off;
NGINX
echo "the other site" >"$B/www/index.html"
cat >"$B/sites-enabled/other.test" <<NGINX
server {
	listen 127.0.0.1:$OP default_server;
	server_name other.test;
	root $B/www;
	location /.well-known/acme-challenge/ { root $B/www; }
	location / {
		if (\$host = other.test) { return 301 https://\$host:$OS\$request_uri; }
		return 200 "the other site, plain\n";
	}
}
server {
	listen 127.0.0.1:$OS ssl default_server;
	server_name other.test;
	root $B/www;
	ssl_certificate $B/letsencrypt/live/other.test/fullchain.pem;
	ssl_certificate_key $B/letsencrypt/live/other.test/privkey.pem;
	include $B/letsencrypt/options-ssl-nginx.conf;
}
NGINX
cat >"$B/nginx.conf" <<NGINX
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $B/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 512; }
http {
	client_body_temp_path $B/body;
	fastcgi_temp_path $B/fastcgi;
	proxy_temp_path $B/proxy;
	uwsgi_temp_path $B/uwsgi;
	scgi_temp_path $B/scgi;
	access_log $B/access.log;
	include $B/conf.d/*.conf;
	include $B/sites-enabled/*;
}
NGINX
beside() {	# beside [INI...]: $T/beside.conf, bootstack on the other site's ports
	{
		printf '[api]\nlisten = %s/api.sock\n' "$T"
		printf '[site]\ndomain = bootstack.test\nsubdomains = api\nipv6 = no\n%s\n' "$SITE_TLS"
		printf '[nginx]\nconf_dir = %s/bootstack\ntemplate_dir = %s/nginx\n' "$B" "$BS_TOP_BUILDDIR"
		printf 'listen_http = 127.0.0.1:%s\nlisten_https = 127.0.0.1:%s\n' "$OP" "$OS"
		printf 'webroot = %s/acme\nops_root = %s/ops\nhtpasswd_file = %s/htpasswd\n' "$B" "$B" "$B"
		printf 'access_log = %s/log/access.log\nerror_log = %s/log/error.log\n' "$B" "$B"
		printf 'test_command = nginx -t -q -c %s/nginx.conf\n' "$B"
		printf 'reload_command = nginx -s reload -c %s/nginx.conf\n' "$B"
		printf '%s\n' "$@"
	} >"$T/beside.conf"
}
beside
echo "include $B/bootstack/http.conf;" >"$B/conf.d/bootstack.conf"
"$BS_BIN" -c "$T/beside.conf" nginx render --check >"$T/beside.out" 2>"$T/beside.err" \
    || fail "render beside another site: $(cat "$T/beside.err")"
grep -rqE "^\s*listen .*default_server" "$B/bootstack" && fail "default_server claimed: $(grep -rE "listen .*default_server" "$B/bootstack")"
[ ! -e "$B/bootstack/default.conf" ] || fail "default.conf rendered with default_server = no"
nginx -c "$B/nginx.conf" -e "$T/nginx-error.log" || fail "nginx with both did not start"
at_exit "kill -QUIT \$(cat $B/nginx.pid)"
echo beside-token >"$B/acme/.well-known/acme-challenge/t2"
R=(--resolve "api.bootstack.test:$OP:127.0.0.1" --resolve "api.bootstack.test:$OS:127.0.0.1"
   --resolve "other.test:$OP:127.0.0.1" --resolve "other.test:$OS:127.0.0.1"
   --resolve "nobody.test:$OP:127.0.0.1" --resolve "nobody.test:$OS:127.0.0.1")
served=0
[ "$(curl -s "${R[@]}" "http://api.bootstack.test:$OP/.well-known/acme-challenge/t2")" = beside-token ] \
    || fail "bootstack's ACME challenge not served beside the other site"; served=$((served + 1))
[ "$(curl -s "${R[@]}" -o /dev/null -w '%{http_code}' --cacert "$T/tls/ca.pem" "https://api.bootstack.test:$OS/healthz")" = 502 ] \
    || fail "bootstack's HTTPS server (its certificate, its 502 without an API) not reached"; served=$((served + 1))
[ "$(curl -s "${R[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' "http://other.test:$OP/x")" = "301 https://other.test:$OS/x" ] \
    || fail "the other site's certbot redirect is gone"; served=$((served + 1))
[ "$(curl -s "${R[@]}" --cacert "$B/le/ca.pem" "https://other.test:$OS/")" = "the other site" ] \
    || fail "the other site's HTTPS (its certbot certificate) is gone"; served=$((served + 1))
[ "$(curl -s "${R[@]}" "http://nobody.test:$OP/")" = "the other site, plain" ] \
    || fail "an undeclared name did not reach the other site's default server"; served=$((served + 1))
[ "$(curl -s "${R[@]}" -k "https://nobody.test:$OS/")" = "the other site" ] \
    || fail "an undeclared name over HTTPS did not reach the other site's default"; served=$((served + 1))
echo "# beside a certbot site: $served of 6 answers from the right server"
# default_server = yes while the other site has it: nginx -t refuses, the
# files come back, both sites still serve.
beside "default_server = yes"
"$BS_BIN" -c "$T/beside.conf" nginx render --check >"$T/beside.out" 2>"$T/beside.err" \
    && fail "two default servers were accepted"
grep -q "duplicate default server" "$T/beside.err" || fail "no nginx verdict: $(cat "$T/beside.err")"
[ ! -e "$B/bootstack/default.conf" ] || fail "default.conf left after the roll back"
# ... and once the other site gives it up, bootstack refuses the unknown names
sed -i 's/ default_server;/;/' "$B/sites-enabled/other.test"
"$BS_BIN" -c "$T/beside.conf" nginx render --reload >"$T/beside.out" 2>"$T/beside.err" \
    || fail "render default_server = yes: $(cat "$T/beside.err")"
grep -q "listen 127.0.0.1:$OP default_server;" "$B/bootstack/default.conf" || fail "default.conf: no default_server"
wait_for 50 sh -c "[ \"\$(curl -s --resolve nobody.test:$OP:127.0.0.1 -o /dev/null -w '%{http_code}' http://nobody.test:$OP/)\" = 000 ]" \
    || fail "an undeclared name is still served with default_server = yes"
[ "$(curl -s "${R[@]}" --cacert "$B/le/ca.pem" "https://other.test:$OS/")" = "the other site" ] \
    || fail "the other site stopped serving under default_server = yes"

# --- ops passwords -----------------------------------------------------------------
pw=$("$BS_BIN" -c "$T/prod.conf" nginx password --user alice --generate) || fail "password --generate"
[ "${#pw}" = 24 ] || fail "generated password: '$pw'"
grep -q '^alice:\$' "$T/prod/htpasswd" || fail "alice not in htpasswd"
[ "$(stat -c %a "$T/prod/htpasswd")" = 640 ] || fail "htpasswd mode after set"
if [ "$(id -u)" = 0 ] && getent group www-data >/dev/null; then
	[ "$(stat -c %G "$T/prod/htpasswd")" = www-data ] || fail "htpasswd group $(stat -c %G "$T/prod/htpasswd")"
fi
echo "short" | "$BS_BIN" -c "$T/prod.conf" nginx password 2>"$T/pw.err" && fail "short password taken"
grep -q "at least 12" "$T/pw.err" || fail "short password message: $(cat "$T/pw.err")"
"$BS_BIN" -c "$T/prod.conf" nginx password --user 'a:b' --generate 2>/dev/null
[ $? = 2 ] || fail "bad user name not a usage error"
chmod 644 "$T/prod/htpasswd"
render prod && fail "a world-readable htpasswd was accepted"
grep -q "open to others" "$T/prod.err" || fail "htpasswd mode message: $(cat "$T/prod.err")"
pass
