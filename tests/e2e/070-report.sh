#!/usr/bin/env bash
# 070-report: `bootstack report` over the access log of the production
# nginx configuration (rendered from the real templates, HTTPS with a
# private CA) in front of bootstack-api. A known mix of requests (2xx, 3xx,
# 4xx, 5xx, several paths, two hosts, health checks) makes the GoAccess
# JSON reports and the overview (all hosts, and per host) hold exactly
# those totals, health checks left out, /v1/tasks/123 and /v1/tasks/456
# one route, GET /v1/tasks/{id}; the API's problem events reach the
# overview with the request id nginx gave. Then more requests, a rotation by the real logrotate with
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
burst = 1000
anon_rate = 1000
anon_burst = 1000"
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
	case "$path" in /healthz*|/readyz*) excluded=$((excluded + 1)); return 0 ;; esac
	# GoAccess's requests panel holds route templates, not raw paths
	local p=${path%%\?*}
	case "$p" in /v1/tasks/*) p="/v1/tasks/{id}" ;; esac
	for k in "_all" "$host"; do
		want[$k]=$(( ${want[$k]:-0} + 1 ))
		want[$k:${status:0:1}]=$(( ${want[$k:${status:0:1}]:-0} + 1 ))
		want[$k:$p]=$(( ${want[$k:$p]:-0} + 1 ))
	done
}
excluded=0

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
	send $API /v1/tasks/123 401
	send $API /v1/tasks/456 401
	send $API /v1/tasks 503 -H 'Authorization: Bearer bsk_abcdefabcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
	send $WWW /version 200
	send $WWW /readyz 503
	send $WWW "/v1/tasks?limit=$1" 308
	send $WWW /v1/tasks 308
	send $WWW /missing-$1 404
	send $WWW /v1/tasks 503 -H 'Authorization: Bearer bsk_abcdefabcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
}

# check: every JSON report (GoAccess's and the overview's) holds exactly
# the totals of want[].
check() {
	local k f
	for k in _all $API $WWW bootstack.test localhost; do
		if [ "$k" = _all ]; then f=$T/www/ops; else f=$T/www/ops/hosts/$k; fi
		[ -s "$f/goaccess.json" ] && [ -s "$f/index.json" ] && [ -s "$f/index.html" ] \
		    || fail "no report in $f"
		python3 - "$f" "$k" "$(for w in "${!want[@]}"; do
		    case "$w" in "$k"|"$k:"*) printf '%s=%s\n' "$w" "${want[$w]}" ;; esac
		    done)" <<'PY' || fail "$1: report $k does not hold what was sent"
import json, sys
d = json.load(open(sys.argv[1] + "/goaccess.json"))
ov = json.load(open(sys.argv[1] + "/index.json"))
k = sys.argv[2]
want = dict(l.split("=") for l in sys.argv[3].split("\n") if l)
w = ov["windows"]["week"]
assert w["total"]["requests"] == int(want.get(k, 0)), (w["total"], want)
assert w["total"]["4xx"] == int(want.get(k + ":4", 0)), w["total"]
assert w["total"]["5xx"] == int(want.get(k + ":5", 0)), w["total"]
routes = {r["route"]: r["requests"] for r in w["routes"]}
assert routes.get("GET /v1/tasks/{id}", 0) == int(want.get(k + ":/v1/tasks/{id}", 0)), routes
assert not any("/123" in r or "/456" in r for r in routes), routes
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
# not a terminal: one summary line
# (health checks: ours, and lib.sh's wait for nginx)
read -r n_new n_excl <<<"$(sed -En 's/^report: ([0-9]+) new lines \([0-9.]+ [KM]?B, ([0-9]+) excluded\), [0-9]+ problem events, [0-9.]+ s; GoAccess: 5 updated, 0 unchanged, 0 failed; overview: .*\/www\/ops\/index.html$/\1 \2/p' "$T/report1.out")"
[ "$(wc -l <"$T/report1.out")" = 1 ] && [ -n "${n_new:-}" ] && [ $((n_new - n_excl)) = "${want[_all]}" ] \
    && [ "$n_excl" -ge "$excluded" ] || fail "report output: $(cat "$T/report1.out")"
check "round 1"
# The API's problem events, with the request id nginx gave the request.
rid=$(tls_curl -D - -o /dev/null "https://$API:$P/v1/tasks/789" | tr -d '\r' | sed -n 's/^x-request-id: //Ip')
[ -n "$rid" ] || fail "no X-Request-ID"
for k in _all $API; do
	want[$k]=$(( want[$k] + 1 )); want[$k:4]=$(( want[$k:4] + 1 ))
	want[$k:/v1/tasks/{id}]=$(( want[$k:/v1/tasks/{id}] + 1 ))
done
wait_for 20 grep -q "$rid" "$T/log/api.log" || fail "the API logged no problem for $rid"
"$BS_BIN" report --quiet >"$T/report1b.out" 2>&1 || fail "report: $(cat "$T/report1b.out")"
[ -s "$T/report1b.out" ] && fail "--quiet printed: $(cat "$T/report1b.out")"
check "round 1, one more"
python3 - "$T/www/ops/index.json" "$rid" <<'PY' || fail "the overview's problems: $(python3 -m json.tool "$T/www/ops/index.json" | grep -A8 problems | head -40)"
import json, sys
ov = json.load(open(sys.argv[1]))
p = {(x["status"], x["route"]): x for x in ov["windows"]["hour"]["problems"]}
x = p[(401, "GET /v1/tasks/{id}")]
assert x["count"] == 3 and x["last_request_id"] == sys.argv[2] and x["title"] == "Unauthorized", x
assert p[(404, "")]["count"] == 3, p              # /nope twice, /missing-1 on www
assert p[(503, "GET /v1/tasks")]["count"] == 2, p    # the database is down
PY
[ "$(stat -c %a "$T/www/ops/index.html")" = 640 ] || fail "report mode"
[ "$(stat -c %a "$T/report")" = 700 ] || fail "state_dir mode"
python3 - "$T/report/report.status.json" <<'PY' || fail "report status file: $(cat "$T/report/report.status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["job"] == "report" and d["result"] == "ok" and d["error"] is None, d
assert d["last_success"] == d["last_attempt"], d
PY
grep -q 'class="wrap-panels\|user_interface' "$T/www/ops/goaccess.html" \
    || fail "goaccess.html is not GoAccess's"
grep -q 'goaccess-api.js' "$T/www/ops/goaccess.html" && grep -q '\.\./\.\./goaccess-api.js' \
    "$T/www/ops/hosts/$API/goaccess.html" || fail "GoAccess's page lacks bootstack's script"
grep -q 'id="routes-hour"' "$T/www/ops/index.html" || fail "index.html is not the overview"

# Nothing new: nothing changes.
"$BS_BIN" report >"$T/report2.out" 2>&1 || fail "report again: $(cat "$T/report2.out")"
grep -q '^report: 0 new lines .* GoAccess: 0 updated, 5 unchanged' "$T/report2.out" \
    || fail "second run: $(cat "$T/report2.out")"
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
# The API's events across its own rotation: each counted once.
python3 - "$T/www/ops/index.json" <<'PY' || fail "problem events across the rotation"
import json, sys
p = {(x["status"], x["route"]): x["count"] for x in
     json.load(open(sys.argv[1]))["windows"]["hour"]["problems"]}
assert p[(401, "GET /v1/tasks/{id}")] == 7 and p[(404, "")] == 9, p
PY

# --- the lock: a second run at the same time does nothing, exit 75 ---------
flock "$T/report/report.lock" "$BS_BIN" report >"$T/lock.out" 2>&1
rc=$?
[ "$rc" = 75 ] && grep -q 'locked by another run' "$T/lock.out" \
    || fail "concurrent run: exit $rc: $(cat "$T/lock.out")"

# --- --rebuild, with anonymize_ip: the same totals from the logs on disk ----
BOOTSTACK_REPORT_ANONYMIZE_IP=yes "$BS_BIN" report --rebuild >"$T/rebuild.out" 2>&1 \
    || fail "rebuild: $(cat "$T/rebuild.out")"
check "rebuilt"
python3 - "$T/www/ops/goaccess.json" <<'PY' || fail "addresses not masked"
import json, sys
hosts = [h["data"] for h in json.load(open(sys.argv[1]))["hosts"]["data"]]
assert hosts and all(h.endswith(".0") for h in hosts), hosts
PY
# --- known content: the overview's figures, exactly, and incrementally ------
# A generated access log and API log (tests/e2e/report-gen.py: routes,
# statuses, latencies exact in the histogram's bins, three windows, two
# hosts, health checks, HEAD, a retried upstream, nginx's own 429s, a line
# older than the week): every figure of every route, window and stream
# equals the one computed from the raw values. Then more lines are
# appended: the next run reads only those, and the figures are the ones of
# everything.
G=$T/gen
mkdir -p "$G"
gen() { python3 "$BS_TOP_SRCDIR/tests/e2e/report-gen.py" "$@"; }
gen conf "$G" "$G/state" "$G/ops" >"$G/bootstack.conf" || fail "report-gen conf"
gen gen "$G" 1 "$(date +%s)" >"$G/gen1.out" || fail "report-gen: $(cat "$G/gen1.out")"
"$BS_BIN" -c "$G/bootstack.conf" report >"$G/run1.out" 2>&1 || fail "report (known content): $(cat "$G/run1.out")"
grep -q '^report: 324 new lines (.*, 5 excluded), 15 problem events' "$G/run1.out" \
    || fail "run 1: $(cat "$G/run1.out")"
gen check "$G" $API $WWW >"$G/check1.out" || fail "the overview's figures: $(cat "$G/check1.out")"
sed 's/^/# /' "$G/check1.out"
gen gen "$G" 2 "$(date +%s)" >"$G/gen2.out" || fail "report-gen: $(cat "$G/gen2.out")"
"$BS_BIN" -c "$G/bootstack.conf" report >"$G/run2.out" 2>&1 || fail "report (appended): $(cat "$G/run2.out")"
grep -q '^report: 120 new lines (.*, 0 excluded), 2 problem events' "$G/run2.out" \
    || fail "run 2 read more than the new lines: $(cat "$G/run2.out")"
gen check "$G" $API $WWW >"$G/check2.out" || fail "the overview after appending: $(cat "$G/check2.out")"
sed 's/^/# /' "$G/check2.out" | grep 'all hosts'
# A broken state file: the overview starts again from the logs on disk.
# On a terminal (a pty, Python's): the progress line, one line per
# report, the summary.
printf 'garbage' >"$G/state/overview.json"
python3 - "$G/run3.out" "$BS_BIN" -c "$G/bootstack.conf" report <<'PY' \
    || fail "report (broken state, on a terminal): $(cat -v "$G/run3.out")"
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=s, stdout=s, stderr=s, close_fds=True)
os.close(s)
out = b""
while True:
    try:
        d = os.read(m, 65536)
    except OSError:         # EIO: the child's side closed
        break
    if not d:
        break
    out += d
open(sys.argv[1], "wb").write(out)
sys.exit(p.wait())
PY
grep -aq 'report: 444 lines, [0-9.]* KB of [0-9.]* KB (100%), [0-9]* lines/s' "$G/run3.out" \
    && grep -aq "all hosts: nothing new" "$G/run3.out" && grep -aq "report: 444 new lines" "$G/run3.out" \
    || fail "no progress on a terminal: $(cat -v "$G/run3.out")"
grep -aq 'overview starts again from the logs on disk' "$G/run3.out" || fail "no warning: $(cat "$G/run3.out")"
gen check "$G" $API $WWW >"$G/check3.out" || fail "the overview rebuilt: $(cat "$G/check3.out")"
pass
