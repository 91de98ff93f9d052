# tests/e2e/lib.sh: shared helpers for the end-to-end scripts (sourced).
#
# Each script owns its servers: a private PostgreSQL cluster, the API daemon
# and nginx, on free loopback ports under one temporary folder ($T) that is
# removed on exit (kept, with its logs, when the script fails). As root,
# PostgreSQL runs as the "postgres" user, since it refuses to run as root.
#
# Provided: $T, $BS_BIN (bootstack), $BS_API_BIN (bootstack-api),
# $BS_SQLDIR, $BS_CONF (the config file), and the functions below.

set -u
BS_TOP_SRCDIR=${BS_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BS_TOP_BUILDDIR=${BS_TOP_BUILDDIR:-$BS_TOP_SRCDIR}
BS_BIN=${BS_BIN:-$BS_TOP_BUILDDIR/bootstack}
BS_API_BIN=${BS_API_BIN:-$BS_TOP_BUILDDIR/bootstack-api}
BS_SQLDIR=${BS_SQLDIR:-$BS_TOP_SRCDIR/sql}
# Sanitizer builds: fail on the first report, but leaks in short CLI runs
# of libraries we do not own are still reported.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

T=$(mktemp -d "${TMPDIR:-/tmp}/bs-e2e.XXXXXX")
chmod 755 "$T"
BS_CONF=$T/bootstack.conf
export BOOTSTACK_CONF=$BS_CONF
_bs_failed=1
_bs_cleanups=""

# Registers a command to run at exit (last registered runs first).
at_exit() { _bs_cleanups="$1; $_bs_cleanups"; }

_bs_exit() {
	eval "$_bs_cleanups" >/dev/null 2>&1
	if [ "$_bs_failed" = 0 ]; then
		rm -rf "$T"
	else
		echo "# logs kept in $T" >&2
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "# --- tail of $f" >&2
			tail -n 30 "$f" >&2
		done
	fi
}
trap _bs_exit EXIT

# Marks the script as passed; call it last.
pass() { _bs_failed=0; echo "ok - $(basename "$0")"; exit 0; }

# Prints a failure line and exits.
fail() { echo "not ok - $(basename "$0"): $*" >&2; exit 1; }

# free_port: a free TCP port on 127.0.0.1.
. "$(dirname "${BASH_SOURCE[0]}")/free-port.sh"

# Runs a command as the PostgreSQL owner (postgres when we are root).
_pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# Creates and starts a private cluster; exports PGHOST (its socket folder),
# PGPORT, PGDATABASE=bootstack and PGUSER.
pg_start() {
	[ -x "$PG_BINDIR/initdb" ] || fail "PostgreSQL server not installed"
	PGDATA=$T/pg
	mkdir -p "$PGDATA" "$T/pgsock"
	: >"$T/postgres.log"
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$PGDATA" "$T/pgsock" "$T/postgres.log"
		export PGUSER=postgres
	else
		export PGUSER=$(id -un)
	fi
	_pg_as "$PG_BINDIR/initdb" -D "$PGDATA" -A trust -U "$PGUSER" \
	    --no-sync >"$T/initdb.log" 2>&1 || fail "initdb failed"
	export PGHOST=$T/pgsock PGPORT=$(free_port) PGDATABASE=bootstack
	pg_resume
	at_exit pg_stop
	_pg_as "$PG_BINDIR/createdb" -h "$PGHOST" -p "$PGPORT" bootstack \
	    || fail "createdb failed"
}

# Starts the cluster made by pg_start again (after pg_stop).
pg_resume() {
	_pg_as "$PG_BINDIR/pg_ctl" -D "$PGDATA" -l "$T/postgres.log" -w \
	    -o "-k $PGHOST -p $PGPORT -c listen_addresses='' -c fsync=off" \
	    start >/dev/null || fail "PostgreSQL did not start"
}

# Stops the cluster (fast mode: running sessions are cut).
pg_stop() {
	_pg_as "$PG_BINDIR/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1
}

# The cluster's processes: the postmaster and its children (to freeze
# them all with SIGSTOP, as a hung server would be).
pg_pids() {
	local pm
	pm=$(head -n 1 "$PGDATA/postmaster.pid")
	echo "$pm" $(pgrep -P "$pm")
}

# Writes $BS_CONF for the private cluster; $1 (optional) is extra INI text.
# With BS_API_ROLE set, the API logs in as that role (made and granted by
# `bootstack migrate`, sql/0004) and migrate as $PGUSER, the owner.
write_config() {
	{
		printf '[database]\nhost = %s\nport = %s\nname = bootstack\n' \
		    "$PGHOST" "$PGPORT"
		printf 'user = %s\nmigrations_dir = %s\n' "${BS_API_ROLE:-$PGUSER}" \
		    "$BS_SQLDIR"
		[ -z "${BS_API_ROLE:-}" ] || printf 'owner = %s\n' "$PGUSER"
		printf '%s\n' "${1:-}"
	} >"$BS_CONF"
}

# db_ini [LINES]: the [database] section of the private cluster (as
# $PGUSER), LINES added: for the config files of several "hosts".
db_ini() {
	printf '[database]\nhost = %s\nport = %s\nname = bootstack\nuser = %s\n%s\n' \
	    "$PGHOST" "$PGPORT" "$PGUSER" "${1:-}"
}

# pg_start_roles: the private cluster, migrated, with $BS_CONF logging the
# API in as its own role (BS_API_ROLE=bs_api, made by `bootstack migrate`,
# which logs in as the owner), log_level info. Its output in
# $T/migrate.log.
pg_start_roles() {
	pg_start
	API_LOG_LEVEL=info
	BS_API_ROLE=bs_api
	write_config "$(api_config)"
	"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate: $(cat "$T/migrate.log")"
}

# Starts bootstack-api on $T/api.sock with $BS_CONF; waits for the socket.
# Sets API_PID. Its log is $T/api.log.
api_start() {
	"$BS_API_BIN" -c "$BS_CONF" >>"$T/api.log" 2>&1 &
	API_PID=$!
	at_exit api_stop
	wait_for 50 test -S "$T/api.sock" || fail "bootstack-api did not start"
}

# Stops the daemon (SIGTERM, then waits for it).
api_stop() {
	[ -n "${API_PID:-}" ] || return 0
	kill -TERM "$API_PID" 2>/dev/null
	wait "$API_PID" 2>/dev/null
	API_PID=
}

# The [api] section for the tests' daemon; $1 (optional) adds lines.
api_config() {
	printf '[api]\nlisten = %s\nworkers = %s\nlog_level = %s\n%s\n' \
	    "$T/api.sock" "${API_WORKERS:-2}" "${API_LOG_LEVEL:-debug}" "${1:-}"
}

# Pids of the daemon's workers.
api_workers() { pgrep -P "$API_PID" | sort; }

# Starts nginx in front of the API on a free port; sets NGINX_PORT and URL.
# NGINX_KEEPALIVE=N: FastCGI keep-alive as the templates set it, N idle
# connections kept for NGINX_KEEPALIVE_TIMEOUT (default 10s), 100 requests
# each at most.
nginx_start() {
	local pass="unix:$T/api.sock;"
	[ -z "${NGINX_KEEPALIVE:-}" ] || pass="bs_api;
			fastcgi_keep_conn on;"
	NGINX_PORT=$(free_port)
	URL=http://127.0.0.1:$NGINX_PORT
	mkdir -p "$T/nginx"
	cat >"$T/nginx/nginx.conf" <<NGINX
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 512; }
http {
	access_log $T/nginx-access.log;
	client_body_temp_path $T/nginx/body;
	fastcgi_temp_path $T/nginx/fastcgi;
	proxy_temp_path $T/nginx/proxy;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
${NGINX_KEEPALIVE:+	upstream bs_api {
		server unix:$T/api.sock;
		keepalive $NGINX_KEEPALIVE;
		keepalive_timeout ${NGINX_KEEPALIVE_TIMEOUT:-10s};
		keepalive_requests 100;
	\}}
	server {
		listen 127.0.0.1:$NGINX_PORT;
		location / {
			include /etc/nginx/fastcgi_params;
			fastcgi_param REQUEST_ID \$request_id;
			fastcgi_pass $pass
			fastcgi_read_timeout 30s;${NGINX_LOCATION_EXTRA:+
			$NGINX_LOCATION_EXTRA}
		}
	}
}
NGINX
	nginx -c "$T/nginx/nginx.conf" -e "$T/nginx-error.log" \
	    || fail "nginx did not start"
	at_exit nginx_stop
	wait_for 50 curl -so /dev/null "$URL/healthz" || fail "nginx not answering"
}

nginx_stop() {
	[ -f "$T/nginx/nginx.pid" ] && kill -QUIT "$(cat "$T/nginx/nginx.pid")"
}

# --- nginx with TLS, from the production templates --------------------------
# nginx_tls_prepare [LINES]: picks NGINX_HTTP_PORT and NGINX_HTTPS_PORT,
# makes a private CA ($BS_CA) and a certificate for $BS_NAMES under $T/tls,
# and sets NGINX_TLS_INI to the [site] and [nginx] sections to put in
# $BS_CONF (LINES: more [nginx] keys). Then nginx_tls_start.
BS_NAMES="bootstack.test api.bootstack.test www.bootstack.test localhost"
nginx_tls_prepare() {
	local n
	NGINX_HTTP_PORT=$(free_port)
	NGINX_HTTPS_PORT=$(free_port)
	BS_CA=$T/tls/ca.pem
	bash "$BS_TOP_SRCDIR/tests/e2e/local-ca.sh" "$T/tls" $BS_NAMES \
	    >"$T/local-ca.log" 2>&1 || fail "local-ca.sh failed"
	# curl arguments: trust the CA, every name (and one nobody declared)
	# on 127.0.0.1 for both ports.
	TLS_CURL_ARGS=(--cacert "$BS_CA")
	for n in $BS_NAMES unknown.test; do
		TLS_CURL_ARGS+=(--resolve "$n:$NGINX_HTTPS_PORT:127.0.0.1"
		    --resolve "$n:$NGINX_HTTP_PORT:127.0.0.1")
	done
	NGINX_TLS_INI="[site]
domain = bootstack.test
subdomains = api www
aliases = localhost
ipv6 = no
cert_file = $T/tls/server.pem
key_file = $T/tls/server.key

[nginx]
$(nginx_paths_ini "$T")
listen_http = 127.0.0.1:$NGINX_HTTP_PORT
listen_https = 127.0.0.1:$NGINX_HTTPS_PORT
default_server = yes
reload_command = nginx -s reload -c $T/nginx/nginx.conf
${1:-}"
}

# nginx_paths_ini DIR: the [nginx] keys that put one nginx's files under
# DIR (configuration in DIR/nginx, web roots in DIR/www, logs, htpasswd),
# as nginx_main_conf and host_start expect them.
nginx_paths_ini() {
	cat <<INI
conf_dir = $1/nginx/conf
template_dir = $BS_TOP_BUILDDIR/nginx
webroot = $1/www/acme
ops_root = $1/www/ops
htpasswd_file = $1/htpasswd
access_log = $1/nginx-access.log
error_log = $1/nginx-error.log
test_command = nginx -t -q -c $1/nginx/nginx.conf
INI
}

# nginx_main_conf FILE INCLUDE [PIDFILE]: a minimal main nginx.conf that
# includes a rendered http.conf (as Debian's nginx.conf includes conf.d/).
nginx_main_conf() {
	local d
	d=$(dirname "$1")
	mkdir -p "$d"
	cat >"$1" <<NGINX
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid ${3:-$d/nginx.pid};
error_log $T/nginx-error.log warn;
events { worker_connections 512; }
http {
	client_body_temp_path $d/body;
	fastcgi_temp_path $d/fastcgi;
	proxy_temp_path $d/proxy;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
	include $2;
}
NGINX
}

# Renders $BS_CONF's nginx configuration (`bootstack nginx render --check`)
# and starts nginx on it; sets URL to https://api.bootstack.test:PORT.
nginx_tls_start() {
	nginx_main_conf "$T/nginx/nginx.conf" "$T/nginx/conf/http.conf"
	"$BS_BIN" nginx render --check >"$T/render.log" 2>&1 \
	    || fail "nginx render: $(cat "$T/render.log")"
	nginx -c "$T/nginx/nginx.conf" -e "$T/nginx-error.log" \
	    || fail "nginx did not start"
	at_exit nginx_stop
	URL=https://api.bootstack.test:$NGINX_HTTPS_PORT
	wait_for 50 tls_curl -o /dev/null "$URL/healthz" \
	    || fail "nginx not answering over TLS"
}

# host_start NAME: one host of a several-host test, under $T/NAME: checks
# $T/NAME/bootstack.conf, starts bootstack-api on it (its [api] listen is
# $T/NAME/api.sock; sets API_PID_NAME), renders its nginx configuration
# ([nginx] conf_dir $T/NAME/nginx/conf) and starts that nginx.
host_start() {
	local h=$1 d=$T/$1
	BOOTSTACK_CONF=$d/bootstack.conf "$BS_BIN" check-config >"$d/cc.log" 2>&1 \
	    || fail "host $h config: $(cat "$d/cc.log")"
	"$BS_API_BIN" -c "$d/bootstack.conf" >>"$T/api-$h.log" 2>&1 &
	eval "API_PID_$h=$!"
	at_exit "kill -TERM \$API_PID_$h; wait \$API_PID_$h"
	wait_for 50 test -S "$d/api.sock" || fail "host $h: bootstack-api did not start"
	nginx_main_conf "$d/nginx/nginx.conf" "$d/nginx/conf/http.conf"
	BOOTSTACK_CONF=$d/bootstack.conf "$BS_BIN" nginx render --check >"$d/render.log" 2>&1 \
	    || fail "host $h: nginx render: $(cat "$d/render.log")"
	nginx -c "$d/nginx/nginx.conf" -e "$T/nginx-error.log" || fail "host $h: nginx did not start"
	at_exit "kill -QUIT \$(cat $d/nginx/nginx.pid)"
}

# --- network namespaces (several-host scripts: 100, 105) ----------------------
# netns_need: namespaces need root and iproute2; without root the script
# passes with a note. Signals then exit through the EXIT trap, so the
# namespaces go.
netns_need() {
	if [ "$(id -u)" != 0 ]; then
		echo "# network namespaces need root: skipped"
		pass
	fi
	command -v ip >/dev/null || fail "ip (iproute2) is not installed"
	trap 'exit 1' INT TERM HUP
}
# netns_add NS...: makes each namespace, its loopback up, deleted at exit.
netns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || fail "ip netns add $ns"
		at_exit "ip netns del $ns"
		ip -n "$ns" link set lo up
	done
}
# netns_link NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a veth pair, DEV1 in NS1 with
# ADDR1/30 and DEV2 in NS2 with ADDR2/30, both up.
netns_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || fail "veth $2-$5"
	ip -n "$1" addr add "$3/30" dev "$2" && ip -n "$4" addr add "$6/30" dev "$5" \
	    && ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up \
	    || fail "addresses of $2 and $5"
}

# --- a job's lock cut mid-run ([database] job_lock = database) -----------------
# job_lock_cut JOB PID [OUT]: run PID of JOB ("report", "cert renew"),
# started with BOOTSTACK_TEST_JOB_PAUSE=$T/pause (test builds: configure
# --enable-test-hooks), took its lock and waits: its lock's backend is
# terminated (as a PostgreSQL restart or a failover would end it), then
# the run goes on. OUT: the run's output, shown when it did not pause.
job_lock_cut() {
	local n
	wait_for 300 test -e "$T/pause.held" || fail "$1 did not pause holding the lock (a build with configure --enable-test-hooks?): $(cat ${3:-/dev/null})"
	n=$(psql -Atq -v ON_ERROR_STOP=1 -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	    WHERE application_name = 'bootstack $1 on $(hostname) pid $2'") || fail "pg_terminate_backend"
	[ "$n" = 1 ] || fail "no backend of $1 pid $2 to terminate ($n)"
	touch "$T/pause.go"
}

# curl with the local CA and the test names: tls_curl [curl args...]
tls_curl() { curl -s "${TLS_CURL_ARGS[@]}" "$@"; }

# HTTP status of a request over TLS: tls_status PATH [curl args...]; the
# body goes to $T/body.
tls_status() { http_status "$@" "${TLS_CURL_ARGS[@]}"; }

# Runs "$@" 0.1 s apart until it succeeds, for at least $1 tries and at
# most BS_WAIT_SCALE (default 4) times $1 tenths of a second: what starts in
# 1 s on a quiet machine may take several on a loaded 2-core one (a waiting
# test only fails later, it never passes sooner).
wait_for() {
	local n=$1 end
	shift
	end=$((SECONDS + (n * ${BS_WAIT_SCALE:-4} + 9) / 10))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		n=$((n - 1))
		[ "$n" -gt 0 ] || [ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# HTTP status of a request through nginx: http_status PATH [curl args...]
http_status() {
	local p=$1
	shift
	rm -f "$T/body"
	curl -s -o "$T/body" -w '%{http_code}' "$@" "$URL$p"
}
