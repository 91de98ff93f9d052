#!/usr/bin/env bash
# 070-report: `bootstack report` over the access log of the production
# nginx configuration (rendered from the real templates, HTTPS with a
# private CA) in front of bootstack-api. A known mix of requests (2xx, 3xx,
# 4xx, 5xx, several paths, two hosts, health checks) makes the JSON reports
# (all hosts, and per host) hold exactly those totals, health checks left
# out. Then more requests, a rotation by the real logrotate with
# dist/bootstack.logrotate (rename, nginx USR1, bootstack-api SIGUSR1:
# both reopen), more requests: the totals are the sums, nothing counted
# twice or skipped, and a run with nothing new changes nothing. Also: the
# lock (a second run exits 75), --rebuild with anonymize_ip (same totals
# from the logs on disk, masked addresses), the report files' mode.
# No PostgreSQL: requests needing it get the API's 503, our 5xx.
. "$(dirname "$0")/lib.sh"

command -v goaccess >/dev/null || fail "goaccess is not installed"
mkdir -p "$T/log"
nginx_tls_prepare "rate = 1000
burst = 1000"
# The logs in one folder, as /var/log/bootstack/ in production.
NGINX_TLS_INI=${NGINX_TLS_INI//"$T/nginx-"/"$T/log/nginx-"}
{
	api_config "request_timeout = 2
log_file = $T/log/api.log
pid_file = $T/api.pid"
	printf '[database]\nhost = %s/nopg\nconnect_timeout = 1\n\n' "$T"
	printf '%s\n\n' "$NGINX_TLS_INI"
	printf '[report]\nstate_dir = %s/report\n' "$T"
} >"$BS_CONF"
"$BS_BIN" check-config >/dev/null || fail "config refused: $("$BS_BIN" check-config 2>&1)"
api_start
nginx_tls_start
P=$NGINX_HTTPS_PORT
HP=$NGINX_HTTP_PORT
API=api.bootstack.test
WWW=www.bootstack.test

# send HOST URL_PATH STATUS [curl args]: one request, its status checked,
# counted for the host and its status class (health checks: not counted).
declare -A want
send() {
	local host=$1 path=$2 status=$3 url r
	shift 3
	case "$status" in
	3*) url="http://$host:$HP$path" ;;
	*) url="https://$host:$P$path" ;;
	esac
	r=$(tls_curl -o /dev/null -w '%{http_code}' "$@" "$url")
	[ "$r" = "$status" ] || fail "$host$path: $r, want $status"
	case "$path" in /healthz*|/readyz*) return 0 ;; esac
	for k in "_all" "$host"; do
		want[$k]=$(( ${want[$k]:-0} + 1 ))
		want[$k:${status:0:1}]=$(( ${want[$k:${status:0:1}]:-0} + 1 ))
		want[$k:${path%%\?*}]=$(( ${want[$k:${path%%\?*}]:-0} + 1 ))
	done
}

# A round of traffic; $1 tells rounds apart in the paths.
traffic() {
	local i
	for i in 1 2 3; do
		send $API /version 200
		send $API /healthz 200
	done
	send $API "/openapi.json?round=$1" 200
	send $API /nope 404
	send $API /nope 404
	send $API /v1/tasks 401
	send $API /v1/tasks 503 -H 'Authorization: Bearer bsk_abcdefabcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
	send $WWW /version 200
	send $WWW /readyz 503
	send $WWW "/v1/tasks?limit=$1" 308
	send $WWW /v1/tasks 308
	send $WWW /missing-$1 404
	send $WWW /v1/tasks 503 -H 'Authorization: Bearer bsk_abcdefabcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
}

# check: every JSON report holds exactly the totals of want[].
check() {
	local k f
	for k in _all $API $WWW bootstack.test localhost; do
		if [ "$k" = _all ]; then f=$T/www/ops/index.json; else f=$T/www/ops/hosts/$k.json; fi
		[ -s "$f" ] || fail "no report $f"
		python3 - "$f" "$k" "$(for w in "${!want[@]}"; do
		    case "$w" in "$k"|"$k:"*) printf '%s=%s\n' "$w" "${want[$w]}" ;; esac
		    done)" <<'PY' || fail "$1: report $k does not hold what was sent"
import json, sys
d = json.load(open(sys.argv[1]))
k = sys.argv[2]
want = dict(l.split("=") for l in sys.argv[3].split("\n") if l)
g = d["general"]
assert g["total_requests"] == int(want.get(k, 0)), (g["total_requests"], want)
assert g["valid_requests"] == g["total_requests"] and g["failed_requests"] == 0, g
classes = {c["data"][0]: c["hits"]["count"] for c in d["status_codes"]["data"]}
for c in "12345":
    assert classes.get(c, 0) == int(want.get("%s:%s" % (k, c), 0)), (c, classes, want)
reqs = {}
for panel in ("requests", "static_requests", "not_found"):
    for r in d[panel]["data"]:
        reqs[r["data"]] = reqs.get(r["data"], 0) + r["hits"]["count"]
paths = {w.split(":", 1)[1]: int(n) for w, n in want.items() if ":/" in w}
assert reqs == paths, (reqs, paths)
assert "/healthz" not in reqs and "/readyz" not in reqs, reqs
PY
	done
}

# total FILE: general.total_requests of a JSON report.
total() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["general"]["total_requests"])' "$1"; }

# --- round 1: a known mix, one report --------------------------------------
traffic 1
"$BS_BIN" report >"$T/report1.out" 2>&1 || fail "report: $(cat "$T/report1.out")"
grep -Eq "^all hosts: $((want[_all])) new lines, [0-9]+ excluded: $T/www/ops/index.html\$" \
    "$T/report1.out" || fail "report output: $(cat "$T/report1.out")"
check "round 1"
[ "$(stat -c %a "$T/www/ops/index.html")" = 640 ] || fail "report mode"
[ "$(stat -c %a "$T/report")" = 700 ] || fail "state_dir mode"
python3 - "$T/report/report.status.json" <<'PY' || fail "report status file: $(cat "$T/report/report.status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["job"] == "report" and d["result"] == "ok" and d["error"] is None, d
assert d["last_success"] == d["last_attempt"], d
PY
grep -q 'id="overall"\|class="wrap-panels\|panel' "$T/www/ops/index.html" \
    || fail "the HTML report is not GoAccess's"

# Nothing new: nothing changes.
"$BS_BIN" report >"$T/report2.out" 2>&1 || fail "report again: $(cat "$T/report2.out")"
grep -q '^all hosts: nothing new' "$T/report2.out" || fail "second run: $(cat "$T/report2.out")"
check "nothing new"

# --- round 2: traffic, rotation, traffic ------------------------------------
traffic 2
wait_for 20 test -s "$T/log/api.log" || fail "the API logs nothing in $T/log/api.log"
if command -v logrotate >/dev/null; then
	sed -e "s|/var/log/bootstack/|$T/log/|g" -e "s|/run/nginx.pid|$T/nginx/nginx.pid|g" \
	    -e "s|/run/bootstack/api.pid|$T/api.pid|g" \
	    "$BS_TOP_SRCDIR/dist/bootstack.logrotate" >"$T/logrotate.conf"
	logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate.log" 2>&1 \
	    || fail "logrotate: $(cat "$T/logrotate.log")"
	rotated_by=logrotate
else
	mv "$T/log/nginx-access.log" "$T/log/nginx-access.log.1"
	mv "$T/log/api.log" "$T/log/api.log.1"
	kill -USR1 "$(cat "$T/nginx/nginx.pid")" "$(cat "$T/api.pid")"
	rotated_by="mv + USR1"
fi
[ -s "$T/log/nginx-access.log.1" ] || fail "no access.log.1 after the rotation ($rotated_by)"
traffic 3
# Both reopened: nginx writes the new access log, the API its new log.
wait_for 50 test -s "$T/log/nginx-access.log" || fail "nginx did not reopen its access log"
wait_for 50 test -s "$T/log/api.log" || fail "bootstack-api did not reopen its log"
"$BS_BIN" report >"$T/report3.out" 2>&1 || fail "report after rotation: $(cat "$T/report3.out")"
check "after the rotation ($rotated_by)"
"$BS_BIN" report >/dev/null 2>&1 || fail "report once more"
check "once more"

# --- the lock: a second run at the same time does nothing, exit 75 ---------
flock "$T/report/report.lock" "$BS_BIN" report >"$T/lock.out" 2>&1
rc=$?
[ "$rc" = 75 ] && grep -q 'locked by another run' "$T/lock.out" \
    || fail "concurrent run: exit $rc: $(cat "$T/lock.out")"

# --- --rebuild, with anonymize_ip: the same totals from the logs on disk ----
BOOTSTACK_REPORT_ANONYMIZE_IP=yes "$BS_BIN" report --rebuild >"$T/rebuild.out" 2>&1 \
    || fail "rebuild: $(cat "$T/rebuild.out")"
check "rebuilt"
python3 - "$T/www/ops/index.json" <<'PY' || fail "addresses not masked"
import json, sys
hosts = [h["data"] for h in json.load(open(sys.argv[1]))["hosts"]["data"]]
assert hosts and all(h.endswith(".0") for h in hosts), hosts
PY
pass
