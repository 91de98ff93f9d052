#!/usr/bin/env bash
# 103-rsyslog: logs in one place (docs/logs-and-metrics.md). Two hosts,
# each an nginx and a bootstack-api with [api] log_file, send their logs
# through their own rsyslogd (dist/rsyslog/bootstack-forward.conf: imfile
# on the three files in, RELP out with a disk-assisted queue) to a log-host
# rsyslogd (dist/rsyslog/bootstack-loghost.conf). Traffic runs on both
# while the log host is down for DOWN seconds (30, as the issue says); the
# forwarders' memory queue is small, so the outage's lines go to disk, and
# host a's rsyslogd is stopped and started again during the outage. After
# the log host is back, every access line and every API event of each host
# is on the log host, in the merged files and the per-host ones, byte for
# byte, but for host a's lines in flight when the log host went away, which
# RELP loses on a restart (counts printed: sent, received, missing,
# duplicates), and `bootstack report` over the merged access log counts
# every request.
. "$(dirname "$0")/lib.sh"

DOWN=${DOWN:-30}	# seconds the log host is away
N=${N:-100}		# requests per host at most, 0.25 s apart (plus curl's time), for 120 s at most
# The forwarders' in-memory queue (shipped: 100000, and rsyslog's default
# watermarks, 90 % to disk and back under 70 %): 40 here, to disk from 30,
# so the outage's lines go to disk. (Set, as rsyslog computes the default
# watermark as size / 100 * 90: 0, no disk at all, under 100.)
QSIZE=${QSIZE:-40}

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
anon_burst = 1000"
declare -A PORT
for h in a b; do
	d=$T/$h
	mkdir -p "$d/spool"
	sed -e "s|/var/log/bootstack/|$d/|" \
	    -e "s|target=\"logs.example.com\" port=\"2514\"|target=\"127.0.0.1\" port=\"$LP\"|" \
	    -e "s|queue.size=\"100000\"|queue.size=\"$QSIZE\" queue.highWatermark=\"$((QSIZE * 3 / 4))\" queue.lowWatermark=\"$((QSIZE / 2))\"|" \
	    "$DIST/bootstack-forward.conf" >"$d/forward.conf"
	grep -q "port=\"$LP\"" "$d/forward.conf" && grep -q "$d/api.log" "$d/forward.conf" \
	    && grep -q "$d/nginx-access.log" "$d/forward.conf" \
	    && grep -q "queue.size=\"$QSIZE\"" "$d/forward.conf" \
	    || fail "forward.conf: no target, file or queue size to set"
	for k in 'queue.type="LinkedList"' 'queue.filename="bootstack_loghost"' \
	    'queue.saveOnShutdown="on"' 'action.resumeRetryCount="-1"'; do
		grep -qF "$k" "$d/forward.conf" || fail "forward.conf: no $k"
	done
	cat >"$d/rsyslog.conf" <<RS
global(workDirectory="$d/spool" localHostName="host-$h")
include(file="$d/forward.conf")
RS
	rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1 \
	    || fail "forwarder config: $(cat "$d/check.log")"
	rsyslog_start "$h"
	at_exit "rsyslog_stop $h"
	wait_for 100 test -s "$d/rsyslogd.pid" || fail "host $h: rsyslogd did not start"

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
a_before=$(wc -l <"$T/a/sent")
rsyslog_stop lh
a_down=$(wc -l <"$T/a/sent")
down_at=$(( a_down + $(wc -l <"$T/b/sent") ))
# Two thirds through, host a's rsyslogd is stopped and started again (an
# upgrade, a reboot): what it queued is saved to disk and sent later.
sleep $((DOWN * 2 / 3))
qfiles() { ls "$T/$1/spool" | grep -c '^bootstack_loghost\.' || true; }
[ "$(qfiles a)" -gt 0 ] && [ "$(qfiles b)" -gt 0 ] \
    || fail "no queue on disk while the log host is away: $(ls "$T/a/spool" "$T/b/spool")"
rsyslog_stop a
saved=$(ls "$T/a/spool")
rsyslog_start a
wait_for 100 test -s "$T/a/rsyslogd.pid" || fail "host a: rsyslogd did not start again"
echo "# host a's rsyslogd restarted during the outage; its spool then: $(echo $saved)"
sleep $((DOWN - DOWN * 2 / 3))
up_at=$(( $(wc -l <"$T/a/sent") + $(wc -l <"$T/b/sent") ))
rsyslog_start lh
wait_for 100 port_open "$LP" || fail "the log host's rsyslogd did not come back"
wait $TA $TB
echo "# log host down ${DOWN} s: $((up_at - down_at)) requests sent meanwhile"
[ $((up_at - down_at)) -gt 0 ] || fail "no traffic while the log host was down"

# received HOST FILE: lines of FILE on the log host from HOST's requests.
received() { grep -c "\"bs103-$1-[0-9]*\"" "$2" 2>/dev/null || true; }
# missing HOST F: lines of HOST's own file F (nginx-access.log, api.log,
# nginx-error.log) not in its file at the log host; extra HOST F: lines
# there that HOST never wrote.
missing() { comm -23 <(sort -u "$T/$1/$2" 2>/dev/null) <(sort -u "$T/lh/log/hosts/host-$1/$2" 2>/dev/null) | wc -l; }
extra() { comm -13 <(sort -u "$T/$1/$2" 2>/dev/null) <(sort -u "$T/lh/log/hosts/host-$1/$2" 2>/dev/null) | wc -l; }
lost() { echo $(( $(missing "$1" nginx-access.log) + $(missing "$1" api.log) + $(missing "$1" nginx-error.log) )); }
# nlines FILE: its line count (0 if it does not exist yet).
nlines() { cat "$1" 2>/dev/null | wc -l; }
# in_lh HOST SLACK: the log host has as many lines as HOST wrote in each
# file, SLACK fewer at most (cheap: counts only, while lines are on their way).
in_lh() {
	local f
	for f in nginx-access.log api.log; do
		[ "$(nlines "$T/lh/log/hosts/host-$1/$f")" -ge $(( $(nlines "$T/$1/$f") - $2 )) ] || return 1
	done
}
# Host a may lose what was in flight when the log host went away (below):
# wait for everything else, then give the rest a few seconds more.
wait_for 100 eval 'in_lh b 0 && in_lh a 4'
wait_for 30 in_lh a 0
total=0
for h in a b; do
	sent=$(grep -c '^200$' "$T/$h/sent")
	merged=$(grep -o "\"bs103-$h-[0-9]*\"" "$T/lh/log/all/nginx-access.log" | sort -u | wc -l)
	lines=$(received "$h" "$T/lh/log/all/nginx-access.log")
	perhost=$(received "$h" "$T/lh/log/hosts/host-$h/nginx-access.log")
	api_local=$(wc -l <"$T/$h/api.log")
	api_lh=$(sort -u "$T/lh/log/hosts/host-$h/api.log" | wc -l)
	api_dup=$(( $(wc -l <"$T/lh/log/hosts/host-$h/api.log") - api_lh ))
	echo "# host $h: sent $sent (of $N), merged log $merged distinct ($((lines - merged)) duplicates)," \
	    "host file $perhost, missing $((sent - merged)); API events $api_local, at the log host" \
	    "$api_lh ($api_dup duplicates), missing $(missing "$h" api.log)"
	# A loaded machine may end the loop at its time bound before N.
	[ "$sent" -gt 0 ] && [ "$sent" = "$(wc -l <"$T/$h/sent")" ] \
	    || fail "host $h: $sent of $(wc -l <"$T/$h/sent") requests answered 200"
	for f in nginx-access.log api.log nginx-error.log; do
		[ "$(extra "$h" "$f")" = 0 ] || fail "host $h: $(extra "$h" "$f") lines of $f at the log host it never wrote"
	done
	# The merged file holds what the per-host file holds.
	[ "$merged" = "$(grep -o "\"bs103-$h-[0-9]*\"" "$T/lh/log/hosts/host-$h/nginx-access.log" | sort -u | wc -l)" ] \
	    || fail "host $h: the merged and the host's access lines differ"
	total=$((total + merged))
done
# The promise: nothing lost. Host b's forwarder ran through the outage:
# every line. Host a's was restarted during it: every line but what RELP
# had sent into the connection in the instant the log host went away
# (unacknowledged, kept in rsyslog's memory, not its queue: rsyslog issue
# 2610), i.e. the lines of the request(s) made in the second around that
# (imfile reads a line a moment after nginx writes it).
[ "$(lost b)" = 0 ] || fail "host b: $(lost b) lines lost"
# The request number of each lost line (by the request id both carry).
while read -r id; do
	i=$(sed -n "s/.*\"bs103-a-\([0-9]*\)\".* $id\$/\1/p" "$T/a/nginx-access.log")
	[ -n "$i" ] && [ "$i" -ge $((a_before - 1)) ] && [ "$i" -le $((a_down + 4)) ] \
	    || fail "host a: lost a line of request ${i:-?} ($id); the log host went away during requests $a_before-$a_down"
done < <({ comm -23 <(sort -u "$T/a/nginx-access.log") <(sort -u "$T/lh/log/hosts/host-a/nginx-access.log") \
	| sed -n 's/.* \([0-9a-f]\{32\}\)$/\1/p'
    comm -23 <(sort -u "$T/a/api.log") <(sort -u "$T/lh/log/hosts/host-a/api.log") \
	| sed -n 's/.*"request_id":"\([0-9a-f]*\)".*/\1/p'; })
[ "$(missing a nginx-error.log)" = 0 ] || fail "host a: nginx error lines lost"
[ "$(lost a)" = "$(( $(missing a nginx-access.log) + $(missing a api.log) ))" ] || fail "host a: lost lines unaccounted"
echo "# host a (forwarder restarted during the outage): $(lost a) line(s) lost, all of what was in" \
    "flight when the log host went away (during requests $a_before-$a_down); host b: 0 lost"
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
