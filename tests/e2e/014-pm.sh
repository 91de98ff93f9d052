#!/usr/bin/env bash
# 014-pm: the process manager as php-fpm's pm: ondemand starts no worker,
# forks one per waiting connection while none is idle, up to [api] workers
# (one more waits, and "max children reached" is counted), and stops them
# after process_idle_timeout; dynamic starts start_servers, forks while
# fewer than min_spare_servers are idle, and stops one a second while more
# than max_spare_servers are; `bootstack-api status` lists every worker
# with what it waits on; a request past request_slowlog_timeout is written
# once to the slow-request log with its route and the statement it waits
# on ([api] slowlog, else the log); a dynamic pool whose bounds contradict is
# refused by -t and by a reload. Workers are held busy the way production
# holds them: updates of one task wait on its row, locked from psql (a
# table lock would also hold up the PREPAREs of a starting worker).
. "$(dirname "$0")/lib.sh"

pg_start
# Requests wait on a lock for longer than the default statement_timeout.
export BOOTSTACK_DATABASE_STATEMENT_TIMEOUT=60000
pm_conf() { write_config "$(api_config "$1")"; }	# [api] lines $1
API_WORKERS=4
pm_conf "pm = ondemand
process_idle_timeout = 2
request_slowlog_timeout = 1
slowlog = $T/slow.log"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
"$BS_BIN" tenant create acme >/dev/null || fail "tenant create"
K=$("$BS_BIN" key create --tenant acme --scope write) || fail "key create"
nworkers() { api_workers | wc -l; }
has_workers() { [ "$(nworkers)" = "$1" ]; }
# wait_workers N: waits (up to 60 s) until the daemon has N workers.
wait_workers() { wait_for 600 has_workers "$1"; }

api_start
sleep 1
[ "$(nworkers)" = 0 ] || fail "ondemand: $(nworkers) workers at start, want 0"
nginx_start	# its first request forks one
TASK=$(curl -s -X POST -H "Authorization: Bearer $K" -H 'Content-Type: application/json' \
    -d '{"title":"held"}' "$URL/v1/tasks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') \
    || fail "no task created"

# Locks the task's row from psql until unlock; every PATCH of it then
# waits on the lock in its worker.
lock() {
	psql -Atc "BEGIN; SELECT 1 FROM tasks WHERE id = $TASK FOR UPDATE; SELECT pg_sleep(300)" \
	    >/dev/null 2>&1 &
	wait_for 300 lock_held || fail "the lock was not taken"
}
lock_held() {
	[ "$(psql -Atc "SELECT count(*) FROM pg_stat_activity
	    WHERE query LIKE '%pg_sleep(300)%' AND state = 'active' AND
	    pid <> pg_backend_pid()")" = 1 ]
}
unlock() {
	psql -Atc "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
	    WHERE query LIKE '%pg_sleep(300)%' AND pid <> pg_backend_pid()" >/dev/null
}
# waiting N: waits until N API sessions wait on the lock.
waiting() { wait_for 600 n_waiting "$1"; }
n_waiting() {
	[ "$(psql -Atc "SELECT count(*) FROM pg_stat_activity
	    WHERE application_name = 'bootstack' AND wait_event_type = 'Lock'")" = "$1" ]
}
lines() { [ "$(wc -l <"$1")" = "$2" ]; }
at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
# blocked N: N requests that wait on the lock, in the background; their
# statuses go to $T/blocked.
blocked() {
	local i
	for i in $(seq "$1"); do
		curl -s -o /dev/null -w '%{http_code}\n' -m 90 -X PATCH \
		    -H "Authorization: Bearer $K" \
		    -H 'Content-Type: application/merge-patch+json' \
		    -d '{"title":"waited"}' "$URL/v1/tasks/$TASK" >>"$T/blocked" &
	done
}
: >"$T/blocked"

# --- ondemand --------------------------------------------------------------
[ "$(http_status /healthz)" = 200 ] || fail "ondemand: healthz not 200"
[ "$(nworkers)" -ge 1 ] || fail "ondemand: no worker after a request"
lock
blocked 3
waiting 3 || fail "ondemand: 3 requests did not reach the database (workers: $(nworkers))"
busy3=$(nworkers)
[ "$busy3" = 3 ] || fail "ondemand: $busy3 workers for 3 waiting requests, want 3"
# The status page, read from the socket: the three busy workers and the
# one forked to answer it, what each does and waits on.
"$BS_API_BIN" -c "$BS_CONF" status --full --json >"$T/status.json" 2>"$T/status.err" \
    || fail "status --full --json: $(cat "$T/status.err")"
api_workers >"$T/pids"
python3 - "$T/status.json" "$T/pids" <<'PY' || fail "status page: $(cat "$T/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
pids = sorted(int(p) for p in open(sys.argv[2]).read().split())
got = sorted(p["pid"] for p in d["processes"])
assert got == pids, ("workers listed", got, "running", pids)
assert d["process manager"] == "ondemand", d
assert d["total processes"] == 4 and d["active processes"] == 4, d
assert d["idle processes"] == 0 and d["max active processes"] >= 4, d
# [api] backlog's default, as the kernel caps it (net.core.somaxconn)
backlog = min(4096, int(open("/proc/sys/net/core/somaxconn").read()))
assert d["listen queue"] == 0 and d["listen queue len"] == backlog, d
assert d["accepted conn"] >= 5, d
me = [p for p in d["processes"] if p["route"] == "/status"]
held = [p for p in d["processes"] if p["route"] == "/v1/tasks/{id}"]
assert len(me) == 1 and len(held) == 3, d["processes"]
for p in held:
	assert p["state"] == "handler" and p["request method"] == "PATCH", p
	assert p["waiting on"] == "tasks_update", p
	assert p["request duration"] > 0 and p["rss"] > 1000000, p
	assert len(p["request id"]) == 32 and p["requests"] >= 0, p
assert me[0]["request uri"] == "/status?full&json" and me[0]["waiting on"] == "", me
print("# status: %d of %d workers listed, %d waiting on tasks_update" %
      (len(got), len(pids), sum(p["waiting on"] == "tasks_update" for p in d["processes"])))
PY
"$BS_API_BIN" -c "$BS_CONF" status >"$T/status.txt" || fail "status (text)"
grep -qx 'active processes: *4' "$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
grep -qx 'process manager: *ondemand' "$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
[ "$("$BS_API_BIN" -c "$BS_CONF" status --full | grep -c '^pid:')" = 4 ] \
    || fail "status --full (text) does not list 4 workers"
blocked 2	# 5 requests, 4 workers: one waits in the listen queue
waiting 4 || fail "ondemand: 4 requests did not reach the database"
wait_for 300 grep -q 'the pool reached workers (4)' "$T/api.log" \
    || fail "ondemand: max children reached not logged"
busy5=$(nworkers)
[ "$busy5" = 4 ] || fail "ondemand: $busy5 workers for 5 requests, want 4 (the cap)"
# request_slowlog_timeout is 1 s: the four in workers are logged slow
wait_for 300 at_least "$T/slow.log" 4 || fail "ondemand: $(cat "$T/slow.log" 2>/dev/null | wc -l) slow requests logged, want 4"
unlock
wait_for 900 lines "$T/blocked" 5 || fail "ondemand: requests did not end"
ok=$(grep -c '^200$' "$T/blocked")
[ "$ok" = 5 ] || fail "ondemand: $ok of 5 blocked requests got 200: $(sort "$T/blocked" | uniq -c)"
# Four requests waited on the row for seconds: four slow-request lines,
# each naming the statement; the fifth waited in the queue, not in a worker.
python3 - "$T/slow.log" <<'PY' || fail "slow log: $(cat "$T/slow.log")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) >= 4, lines
for d in lines:
	assert d["msg"] == "slow request" and d["method"] == "PATCH", d
	assert d["route"] == "/v1/tasks/{id}" and d["uri"].startswith("/v1/tasks/"), d
	assert d["doing"] == "waiting on PostgreSQL" and d["statement"] == "tasks_update", d
	assert d["elapsed_ms"] >= 1000 and len(d["request_id"]) == 32, d
assert len({d["request_id"] for d in lines}) == len(lines), "a request logged twice"
print("# slowlog: %d slow requests logged, %d waiting on tasks_update" %
      (len(lines), sum(d["statement"] == "tasks_update" for d in lines)))
PY
slow=$(wc -l <"$T/slow.log")
"$BS_API_BIN" -c "$BS_CONF" status >"$T/status.txt" || fail "status (text)"
grep -qx "slow requests: *$slow" "$T/status.txt" || fail "status: $(grep slow "$T/status.txt"), $slow logged"
t0=$SECONDS
wait_workers 0 || fail "ondemand: $(nworkers) workers left after idling"
echo "# ondemand: 0 workers at start, $busy3 for 3 waiting requests, $busy5 for 5 (max 4), 0 after $((SECONDS - t0)) s idle (process_idle_timeout 2); $ok of 5 requests 200"

# --- a dynamic pool with contradicting bounds is refused ---------------------
cp "$BS_CONF" "$T/good.conf"
pm_conf 'pm = dynamic
start_servers = 4
min_spare_servers = 1
max_spare_servers = 2'
"$BS_API_BIN" -t -c "$BS_CONF" >"$T/t.out" 2>&1 && fail "-t passed start_servers > max_spare_servers"
grep -q 'start_servers: 4 is not between' "$T/t.out" || fail "-t: $(cat "$T/t.out")"
kill -HUP "$API_PID"
wait_for 300 grep -q 'reload refused.*start_servers' "$T/api.log" \
    || fail "a reload took contradicting pm bounds"

# --- dynamic, by a reload --------------------------------------------------
API_WORKERS=5
pm_conf 'pm = dynamic
start_servers = 2
min_spare_servers = 1
max_spare_servers = 2
request_slowlog_timeout = 1'
kill -HUP "$API_PID"
wait_for 300 grep -q 'generation 1, pm dynamic' "$T/api.log" || fail "dynamic: no reload"
wait_workers 2 || fail "dynamic: $(nworkers) workers after the reload, want start_servers 2"
[ "$(http_status /healthz)" = 200 ] || fail "dynamic: healthz not 200"
: >"$T/blocked"
lock
blocked 4
waiting 4 || fail "dynamic: 4 requests did not reach the database (workers: $(nworkers))"
# 4 busy: fewer idle than min_spare_servers (1), so one more: 5 = workers
wait_workers 5 || fail "dynamic: $(nworkers) workers with 4 busy, want 5"
busy=$(nworkers)
sleep 2
[ "$(nworkers)" = 5 ] || fail "dynamic: $(nworkers) workers, more than workers (5)"
unlock
wait_for 900 lines "$T/blocked" 4 || fail "dynamic: requests did not end"
ok=$(grep -c '^200$' "$T/blocked")
[ "$ok" = 4 ] || fail "dynamic: $ok of 4 blocked requests got 200: $(sort "$T/blocked" | uniq -c)"
t0=$SECONDS
# 5 idle, more than max_spare_servers (2): one stopped a second, down to 2
wait_workers 2 || fail "dynamic: $(nworkers) workers after idling, want max_spare_servers 2"
idle_s=$((SECONDS - t0))
sleep 2
[ "$(nworkers)" = 2 ] || fail "dynamic: $(nworkers) workers, fewer than max_spare_servers"
[ "$(http_status /healthz)" = 200 ] || fail "dynamic: healthz not 200 after reaping"
# No [api] slowlog now: the slow requests went to the log as warnings.
grep -c '"msg":"slow request".*"statement":"tasks_update"' "$T/api.log" >"$T/n" \
    || fail "dynamic: no slow request in the log"
echo "# slowlog: $(cat "$T/n") slow requests in the log without [api] slowlog"
echo "# dynamic: 2 workers after the reload (start_servers 2), $busy with 4 busy (workers 5), 2 after $idle_s s idle (max_spare_servers 2); $ok of 4 requests 200"
grep -q 'killed by signal' "$T/api.log" && fail "a worker crashed: $(grep 'killed by signal' "$T/api.log")"
pass
