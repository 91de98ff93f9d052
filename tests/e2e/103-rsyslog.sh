#!/usr/bin/env bash
# 103-rsyslog: logs in one place (docs/logs-and-metrics.md). Two hosts,
# each an nginx rendered with [nginx] syslog = unix:SOCKET and a
# bootstack-api with [api] log_file, send their logs through their own
# rsyslogd (dist/rsyslog/bootstack-forward.conf: imuxsock and imfile in,
# RELP out with a disk-assisted queue) to a log-host rsyslogd
# (dist/rsyslog/bootstack-loghost.conf). Traffic runs on both while the log
# host is down for DOWN seconds (30, as the issue says); after it is back,
# every access line and every API event of each host is on the log host,
# in the merged files and the per-host ones, byte for byte (counts
# printed: sent, received, missing, duplicates), and `bootstack report`
# over the merged access log counts every request.
. "$(dirname "$0")/lib.sh"

DOWN=${DOWN:-30}	# seconds the log host is away
N=${N:-100}		# requests per host at most, 0.25 s apart (plus curl's time), for 120 s at most

command -v rsyslogd >/dev/null || fail "rsyslog not installed (./stack deps)"
[ -f /usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so ] || ls /usr/lib/*/rsyslog/omrelp.so >/dev/null 2>&1 \
    || fail "rsyslog-relp not installed (./stack deps)"
command -v goaccess >/dev/null || fail "goaccess not installed"
DIST=$BS_TOP_SRCDIR/dist/rsyslog

# rsyslog_start NAME: runs rsyslogd on $T/NAME/rsyslog.conf (pid file
# $T/NAME/rsyslogd.pid, its own messages in $T/rsyslogd-NAME.log).
rsyslog_start() {
	rsyslogd -n -f "$T/$1/rsyslog.conf" -i "$T/$1/rsyslogd.pid" \
	    >>"$T/rsyslogd-$1.log" 2>&1 &
	eval "RS_PID_$1=$!"
}
rsyslog_stop() {
	local pid
	eval "pid=\${RS_PID_$1:-}"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "RS_PID_$1="
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- the log host -----------------------------------------------------------
LP=$(free_port)
mkdir -p "$T/lh/spool"
sed -e "s|/var/log/bootstack/|$T/lh/log/|g" -e "s|port=\"2514\"|port=\"$LP\"|" \
    "$DIST/bootstack-loghost.conf" >"$T/lh/loghost.conf"
grep -q "port=\"$LP\"" "$T/lh/loghost.conf" || fail "loghost.conf: no port to set"
printf 'global(workDirectory="%s")\ninclude(file="%s")\n' "$T/lh/spool" \
    "$T/lh/loghost.conf" >"$T/lh/rsyslog.conf"
rsyslogd -N1 -f "$T/lh/rsyslog.conf" >"$T/lh/check.log" 2>&1 \
    || fail "log host config: $(cat "$T/lh/check.log")"
rsyslog_start lh
at_exit "rsyslog_stop lh"
wait_for 100 port_open "$LP" || fail "the log host's rsyslogd is not listening"

# --- two hosts: rsyslogd, bootstack-api, nginx --------------------------------
nginx_tls_prepare "rate = 1000
burst = 1000
anon_rate = 1000
anon_burst = 1000
syslog = unix:@H@/log.sock"
declare -A PORT
for h in a b; do
	d=$T/$h
	mkdir -p "$d/spool"
	sed -e "s|/var/log/bootstack/api.log|$d/api.log|" \
	    -e "s|target=\"logs.example.com\" port=\"2514\"|target=\"127.0.0.1\" port=\"$LP\"|" \
	    "$DIST/bootstack-forward.conf" >"$d/forward.conf"
	grep -q "port=\"$LP\"" "$d/forward.conf" && grep -q "$d/api.log" "$d/forward.conf" \
	    || fail "forward.conf: no target or file to set"
	cat >"$d/rsyslog.conf" <<RS
global(workDirectory="$d/spool" localHostName="host-$h")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$d/log.sock")
include(file="$d/forward.conf")
RS
	rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1 \
	    || fail "forwarder config: $(cat "$d/check.log")"
	rsyslog_start "$h"
	at_exit "rsyslog_stop $h"
	wait_for 100 test -S "$d/log.sock" || fail "host $h: rsyslogd did not start"

	PORT[$h]=$(free_port)
	ini=${NGINX_TLS_INI//"$T/nginx/"/"$d/nginx/"}
	ini=${ini//"$T/nginx-"/"$d/nginx-"}
	ini=${ini//"$T/www/"/"$d/www/"}
	ini=${ini//"$T/htpasswd"/"$d/htpasswd"}
	ini=${ini//"@H@"/"$d"}
	ini=${ini//"127.0.0.1:$NGINX_HTTPS_PORT"/"127.0.0.1:${PORT[$h]}"}
	ini=${ini//"127.0.0.1:$NGINX_HTTP_PORT"/"127.0.0.1:$(free_port)"}
	{
		printf '[api]\nlisten = %s/api.sock\nworkers = 2\nlog_level = debug\n' "$d"
		printf 'log_file = %s/api.log\n\n' "$d"
		printf '[database]\nhost = %s/nopg\nconnect_timeout = 1\n\n' "$T"
		printf '%s\n' "$ini"
	} >"$d/bootstack.conf"
	host_start "$h"
	grep -q "access_log syslog:server=unix:$d/log.sock,facility=local7,tag=bootstack_access,severity=info,nohostname bootstack;" \
	    "$d/nginx/conf/https.conf" || fail "host $h: no syslog access_log in https.conf"
	wait_for 50 tls_curl --resolve "api.bootstack.test:${PORT[$h]}:127.0.0.1" -o /dev/null \
	    "https://api.bootstack.test:${PORT[$h]}/healthz" || fail "host $h: nginx not answering"
done

# --- traffic, with the log host away in the middle --------------------------
# traffic HOST: N requests, 0.25 s apart, each named by its User-Agent; one
# status per line in $T/HOST/sent. Bounded in count and time.
traffic() {
	local h=$1 i end=$((SECONDS + 120))
	for ((i = 1; i <= N && SECONDS < end; i++)); do
		tls_curl --max-time 5 --resolve "api.bootstack.test:${PORT[$h]}:127.0.0.1" \
		    -A "bs103-$h-$i" -o /dev/null -w '%{http_code}\n' \
		    "https://api.bootstack.test:${PORT[$h]}/version" >>"$T/$h/sent"
		sleep 0.25
	done
}
: >"$T/a/sent"
: >"$T/b/sent"
traffic a & TA=$!
traffic b & TB=$!
at_exit "kill $TA $TB"
sleep 3
rsyslog_stop lh
down_at=$(( $(wc -l <"$T/a/sent") + $(wc -l <"$T/b/sent") ))
sleep "$DOWN"
up_at=$(( $(wc -l <"$T/a/sent") + $(wc -l <"$T/b/sent") ))
rsyslog_start lh
wait_for 100 port_open "$LP" || fail "the log host's rsyslogd did not come back"
wait $TA $TB
echo "# log host down ${DOWN} s: $((up_at - down_at)) requests sent meanwhile"
[ $((up_at - down_at)) -gt 0 ] || fail "no traffic while the log host was down"

# received HOST FILE: lines of FILE on the log host from HOST's requests.
received() { grep -c "\"bs103-$1-[0-9]*\"" "$2" 2>/dev/null || true; }
# Every line each host wrote itself, and nothing else, reaches the log host.
# Line counts first: a try stays cheap while lines are still on their way.
all_in() {
	local h
	for h in a b; do
		[ "$(cat "$T/lh/log/hosts/host-$h/nginx-access.log" 2>/dev/null | wc -l)" -ge \
		    "$(wc -l <"$T/$h/nginx-access.log")" ] || return 1
		[ "$(cat "$T/lh/log/hosts/host-$h/api.log" 2>/dev/null | wc -l)" -ge \
		    "$(wc -l <"$T/$h/api.log")" ] || return 1
	done
	for h in a b; do
		[ "$(sort -u "$T/lh/log/hosts/host-$h/nginx-access.log" 2>/dev/null)" = \
		    "$(sort -u "$T/$h/nginx-access.log")" ] || return 1
		[ "$(sort -u "$T/lh/log/hosts/host-$h/api.log" 2>/dev/null)" = \
		    "$(sort -u "$T/$h/api.log")" ] || return 1
	done
	[ "$(received a "$T/lh/log/all/nginx-access.log")" -ge "$(wc -l <"$T/a/sent")" ] &&
	    [ "$(received b "$T/lh/log/all/nginx-access.log")" -ge "$(wc -l <"$T/b/sent")" ]
}
wait_for 150 all_in
total=0
for h in a b; do
	sent=$(grep -c '^200$' "$T/$h/sent")
	merged=$(grep -o "\"bs103-$h-[0-9]*\"" "$T/lh/log/all/nginx-access.log" | sort -u | wc -l)
	lines=$(received "$h" "$T/lh/log/all/nginx-access.log")
	perhost=$(received "$h" "$T/lh/log/hosts/host-$h/nginx-access.log")
	api_local=$(wc -l <"$T/$h/api.log")
	api_lh=$(sort -u "$T/lh/log/hosts/host-$h/api.log" | wc -l)
	echo "# host $h: sent $sent (of $N), merged log $merged distinct ($((lines - merged)) duplicates)," \
	    "host file $perhost, missing $((sent - merged)); API events $api_local, at the log host $api_lh"
	# A loaded machine may end the loop at its time bound before N.
	[ "$sent" -gt 0 ] && [ "$sent" = "$(wc -l <"$T/$h/sent")" ] \
	    || fail "host $h: $sent of $(wc -l <"$T/$h/sent") requests answered 200"
	[ "$merged" = "$sent" ] || fail "host $h: $((sent - merged)) request lines missing from the merged log"
	[ "$api_lh" = "$api_local" ] || fail "host $h: API events: $api_lh of $api_local at the log host"
	total=$((total + merged))
done
all_in || fail "the log host's files differ from the hosts' own"
# The merged file is nginx's format: GoAccess reads every line.
LHC=$T/lh/bootstack.conf
cat >"$LHC" <<INI
[site]
domain = bootstack.test
subdomains = api www

[api]
log_file = $T/lh/log/all/api.log

[nginx]
access_log = $T/lh/log/all/nginx-access.log
ops_root = $T/lh/ops

[report]
state_dir = $T/lh/report
INI
BOOTSTACK_CONF=$LHC "$BS_BIN" report >"$T/report.out" 2>&1 || fail "report: $(cat "$T/report.out")"
rep=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["general"]["total_requests"], d["general"]["failed_requests"])' \
    "$T/lh/ops/goaccess.json") || fail "no goaccess.json"
read -r rtotal rfailed <<<"$rep"
dups=$(( $(received a "$T/lh/log/all/nginx-access.log") + $(received b "$T/lh/log/all/nginx-access.log") - total ))
echo "# report on the log host: $rtotal requests ($rfailed unparsed); /version lines sent $total"
# health checks are left out; /version lines, duplicates included, are in.
[ "$rfailed" = 0 ] && [ "$rtotal" = $((total + dups)) ] || fail "report: $(cat "$T/report.out")"
pass
