#!/usr/bin/env bash
# 096-check-config: `bootstack check-config` runs every check the commands
# run later, lists every error of a file as FILE:LINE: [section] key: why,
# in line order, and exits 1 on any. The cases of issue 12 (an [alert x]
# without kind, listen_https = 99999, domain = exa mple..com), one bad value
# per section, several errors in one file, all listed; an error from the
# environment and a secret file open to others too. The command that uses
# a key refuses it with the same words (nginx render, alert check): one
# validation per key. A good file says "FILE: ok", exit 0. No server.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

C=$T/bad.conf
cat >"$C" <<EOF
# one bad value per section, and the cases of the issue
[api]
workers = 0

[database]
sslmode = maybe

[site]
domain = exa mple..com

[nginx]
conf_dir = $T/nginx
template_dir = $BS_TOP_BUILDDIR/nginx
listen_https = 443 99999
access_log = logs/access.log

[acme]
directory_url = http://ca.test/dir
state_dir = $T/acme

[dns]
ttl = -1

[dynadot]
retries = 99

[report]
goaccess = goaccess

[alerts]
state_file = $T/alerts.json
webhook_url = hooks.test/x
command = notify --all

[cert www]
names = a_b.example.com

[alert x]
severity = info

[alert slow]
kind = db_down
threshold = 2s

[nosuch]
key = value
EOF
rc=0
"$BS_BIN" -c "$C" check-config >"$T/bad.out" 2>"$T/bad.err" || rc=$?
[ "$rc" = 1 ] || fail "check-config exited $rc on a bad file: $(cat "$T/bad.err")"
[ -s "$T/bad.out" ] && fail "check-config printed on stdout: $(cat "$T/bad.out")"
want() {	# want LINE TEXT: that error line, exactly, is listed
	grep -qxF "$C:$1: $2" "$T/bad.err" || fail "missing '$C:$1: $2' in: $(cat "$T/bad.err")"
}
want 3 "[api] workers: 0 is out of range 1..256"
want 6 "[database] sslmode: 'maybe' is not one of disable|allow|prefer|require|verify-ca|verify-full"
want 9 "[site] domain: 'exa mple..com' is not a host name (letters, digits and inner '-', labels of 1..63 separated by single dots)"
want 14 "[nginx] listen_https: '99999' is not PORT, IPV4:PORT, [IPV6]:PORT or *:PORT (ports 1..65535)"
want 15 "[nginx] access_log: 'logs/access.log' must be an absolute path without blanks, quotes, '\\', '\$', ';', '#', '{' or '}'"
want 18 "[acme] directory_url: 'http://ca.test/dir' is not a URL: want https://HOST/PATH"
want 22 "[dns] ttl: -1 is out of range 0..604800"
want 25 "[dynadot] retries: 99 is out of range 0..20"
want 28 "[report] goaccess: 'goaccess' is not an absolute path (want /...)"
want 32 "[alerts] webhook_url: 'hooks.test/x' is not a URL: want http://HOST/PATH or https://HOST/PATH"
want 33 "[alerts] command: 'notify' is not an absolute path (no shell and no PATH search is used)"
grep -q "^$C:36: \[cert www\] names: 'a_b.example.com' " "$T/bad.err" || fail "no [cert www] error: $(cat "$T/bad.err")"
want 38 "[alert x] kind: not set (one of http_5xx_ratio, http_p95, db_down, cert_expiry, cert_renew_failed, disk_space, crash_loop, stale_job, api_down)"
want 43 "[alert slow] threshold: a db_down rule takes none"
want 45 "unknown section [nosuch]"
nerr=$(grep -c "^$C:[0-9]*: " "$T/bad.err")
[ "$nerr" = 15 ] || fail "$nerr error lines, want 15: $(cat "$T/bad.err")"
grep -qx "bootstack check-config: $C: 15 errors" "$T/bad.err" || fail "no count line: $(tail -1 "$T/bad.err")"
# in the order of the file's lines
grep -o "^$C:[0-9]*" "$T/bad.err" | cut -d: -f2 >"$T/lines"
sort -n "$T/lines" | cmp -s - "$T/lines" || fail "errors not in line order: $(tr '\n' ' ' <"$T/lines")"
echo "# check-config listed $nerr errors of one file, exit $rc"

# --- the commands that use a key refuse it with the same words ------------------
G=$T/good.conf
cat >"$G" <<EOF
[api]
listen = $T/api.sock
[site]
domain = example.com
[nginx]
conf_dir = $T/nginx
template_dir = $BS_TOP_BUILDDIR/nginx
webroot = $T/acme-www
ops_root = $T/ops
htpasswd_file = $T/htpasswd
access_log = $T/log/access.log
error_log = $T/log/error.log
listen_http = 127.0.0.1:8080
listen_https = 127.0.0.1:8443
[acme]
state_dir = $T/acme
[report]
state_dir = $T/report
[alerts]
state_file = $T/alerts.json
[alert db]
kind = db_down
EOF
"$BS_BIN" -c "$G" check-config >"$T/good.out" 2>&1 || fail "good file refused: $(cat "$T/good.out")"
grep -qx "$G: ok" "$T/good.out" || fail "good file: $(cat "$T/good.out")"

sed 's/^listen_https = .*/listen_https = 127.0.0.1:99999/' "$G" >"$T/port.conf"
"$BS_BIN" -c "$T/port.conf" check-config 2>"$T/port.cc" && fail "check-config took port 99999"
"$BS_BIN" -c "$T/port.conf" nginx render >"$T/port.out" 2>"$T/port.render" && fail "nginx render took port 99999"
why="[nginx] listen_https: '127.0.0.1:99999' is not PORT, IPV4:PORT, [IPV6]:PORT or *:PORT (ports 1..65535)"
grep -qxF "$T/port.conf:14: $why" "$T/port.cc" || fail "check-config: $(cat "$T/port.cc")"
grep -qF "$why" "$T/port.render" || fail "nginx render says otherwise: $(cat "$T/port.render")"
[ -e "$T/nginx/http.conf" ] && fail "nginx render wrote files for a refused config"

sed 's/^kind = db_down$/severity = info/' "$G" >"$T/kind.conf"
"$BS_BIN" -c "$T/kind.conf" check-config 2>"$T/kind.cc" && fail "check-config took an alert without kind"
"$BS_BIN" -c "$T/kind.conf" alert check >"$T/kind.out" 2>"$T/kind.check" && fail "alert check took an alert without kind"
why="[alert db] kind: not set (one of"
grep -qF "$T/kind.conf:21: $why" "$T/kind.cc" || fail "check-config: $(cat "$T/kind.cc")"
grep -qF "$why" "$T/kind.check" || fail "alert check says otherwise: $(cat "$T/kind.check")"

sed 's/^command = .*//; s/^\[alerts\]$/[alerts]\ncommand = mail -s x/' "$G" >"$T/cmd.conf"
"$BS_BIN" -c "$T/cmd.conf" check-config 2>"$T/cmd.cc" && fail "check-config took a relative command"
grep -qF "[alerts] command: 'mail' is not an absolute path" "$T/cmd.cc" || fail "check-config: $(cat "$T/cmd.cc")"

# a dynamic pool whose bounds contradict: the daemon's -t and check-config, same words
sed "s|^listen = .*|&\npm = dynamic\nstart_servers = 4\nmin_spare_servers = 1\nmax_spare_servers = 2|" "$G" >"$T/pool.conf"
"$BS_BIN" -c "$T/pool.conf" check-config 2>"$T/pool.cc" && fail "check-config took start_servers > max_spare_servers"
"$BS_API_BIN" -t -c "$T/pool.conf" >"$T/pool.t" 2>&1 && fail "bootstack-api -t took start_servers > max_spare_servers"
why="[api] start_servers: 4 is not between min_spare_servers (1) and max_spare_servers (2)"
grep -qxF "$T/pool.conf:4: $why" "$T/pool.cc" || fail "check-config: $(cat "$T/pool.cc")"
grep -qF "$why" "$T/pool.t" || fail "bootstack-api -t says otherwise: $(cat "$T/pool.t")"

# --- the environment and secret files are judged too -------------------------------
printf 's3cret\n' >"$T/pw"
chmod 644 "$T/pw"
printf '[database]\npassword_file = %s/pw\n' "$T" >>"$T/kind.conf"
BOOTSTACK_API_WORKERS=999 "$BS_BIN" -c "$T/kind.conf" check-config 2>"$T/env.cc" && fail "check-config took workers 999"
grep -qxF "environment BOOTSTACK_API_WORKERS: [api] workers: 999 is out of range 1..256" "$T/env.cc" ||
    fail "no environment error: $(cat "$T/env.cc")"
grep -qF "[database] password_file: $T/pw is readable by group or others (chmod 600 it)" "$T/env.cc" ||
    fail "no secret file error: $(cat "$T/env.cc")"
grep -qx "bootstack check-config: $T/kind.conf: 3 errors" "$T/env.cc" || fail "count: $(cat "$T/env.cc")"
grep -q s3cret "$T/env.cc" && fail "the secret was printed"
# ... and the other commands name the first with a count of the rest
BOOTSTACK_API_WORKERS=999 "$BS_BIN" -c "$T/kind.conf" migrate status 2>"$T/env.mig" && fail "migrate took the config"
grep -qF "(and 1 more error: bootstack check-config lists them)" "$T/env.mig" || fail "migrate: $(cat "$T/env.mig")"

pass
