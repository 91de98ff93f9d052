#!/usr/bin/env bash
# 101-job-lock: jobs meant to run once per deployment with [database]
# job_lock = database. Two "hosts" (two config files, each with its own
# state folders, one shared PostgreSQL) start `bootstack report` together
# over the same large access log: exactly one does the work, the other
# exits 0 at once saying which run holds the lock (the job, the host and
# the pid in its application_name). `cert renew` and `dns sync` while
# another session holds their lock: each exits 0 naming it and contacts
# nobody (no CA, no DNS provider is configured reachable). A skipping run
# records "skipped, held by ..." in its job status file (fresh for a
# stale_job rule), cert renew's in each certificate's status file. Without
# the lock (job_lock = local) the same runs do the
# work. A report whose lock's session is terminated mid-run (test hook:
# BOOTSTACK_TEST_JOB_PAUSE) stops before writing, exit 1, naming the lost
# lock. Counts printed.
. "$(dirname "$0")/lib.sh"

command -v goaccess >/dev/null || fail "goaccess is not installed"
pg_start
G=$T/gen
mkdir -p "$G"
# A log long enough that the first run still holds the lock when the
# second starts: report-gen's known lines, repeated (bounded: 150 copies).
python3 "$BS_TOP_SRCDIR/tests/e2e/report-gen.py" gen "$G" 1 "$(date +%s)" >"$G/gen.out" \
    || fail "report-gen: $(cat "$G/gen.out")"
python3 - "$G/access.log" <<'PY' || fail "log copies"
import sys
p = sys.argv[1]
lines = open(p).read()
with open(p, "w") as f:
    for _ in range(150):
        f.write(lines)
PY
nlines=$(wc -l <"$G/access.log")

# host_conf NAME: $T/NAME.conf, its state under $T/NAME.
host_conf() {
	mkdir -p "$T/$1"
	cat >"$T/$1.conf" <<CONF
$(db_ini "job_lock = ${JOB_LOCK:-database}")
$(python3 "$BS_TOP_SRCDIR/tests/e2e/report-gen.py" conf "$G" "$T/$1/report" "$T/$1/ops")

[acme]
directory_url = https://127.0.0.1:1/dir
state_dir = $T/$1/acme

[cert www]
names = www.bootstack.test

[dns]
zone = bootstack.test
snapshot_dir = $T/$1/dns
nameservers = 127.0.0.1:1

[dynadot]
api_url = http://127.0.0.1:1/api3.json
key_file = $T/dynadot.key
timeout = 2
retries = 0

[dns_record mine]
name = $1
type = TXT
value = "host $1"
CONF
}
(umask 077; echo not-a-key >"$T/dynadot.key")
host_conf a
host_conf b

# --- report on two hosts at once --------------------------------------------------------
"$BS_BIN" -c "$T/a.conf" report >"$T/a.out" 2>&1 &
apid=$!
"$BS_BIN" -c "$T/b.conf" report >"$T/b.out" 2>&1 &
bpid=$!
arc=0 brc=0
wait "$apid" || arc=$?
wait "$bpid" || brc=$?
[ "$arc" = 0 ] && [ "$brc" = 0 ] || fail "report exits a=$arc b=$brc: $(cat "$T/a.out" "$T/b.out")"
worked=$(cat "$T/a.out" "$T/b.out" | grep -c "^report: $nlines new lines")
skipped=$(cat "$T/a.out" "$T/b.out" | grep -c '^report: skipped: bootstack report on .* pid [0-9]* (backend pid [0-9]*, since .*) holds the job'"'"'s lock')
echo "# report on 2 hosts at once over $nlines lines: $worked did the work, $skipped skipped"
[ "$worked" = 1 ] && [ "$skipped" = 1 ] || fail "want 1 and 1: $(cat "$T/a.out" "$T/b.out")"
# the skipping run names the other one's pid, and made no report
if grep -q '^report: skipped' "$T/a.out"; then winner=$bpid loser=a; else winner=$apid loser=b; fi
grep -q "pid $winner (backend" "$T/$loser.out" || fail "the holder is not named: $(cat "$T/$loser.out") (winner pid $winner)"
[ ! -e "$T/$loser/ops/index.json" ] || fail "the skipping host wrote a report"
echo "# $(grep '^report: skipped' "$T/$loser.out")"
# status FILE: "RESULT|HELD_BY|LAST_SKIPPED|LAST_SUCCESS|age of the fresher, s"
status() {
	python3 - "$1" <<'PY'
import json, sys, time, calendar
d = json.load(open(sys.argv[1]))
t = lambda k: calendar.timegm(time.strptime(d[k], "%Y-%m-%dT%H:%M:%SZ")) if d.get(k) else 0
print("%s|%s|%s|%s|%d" % (d["result"], d.get("held_by") or "", d.get("last_skipped") or "",
      d.get("last_success") or "", time.time() - max(t("last_skipped"), t("last_success"))))
PY
}
# The skip is on record, fresh for a stale_job rule, naming the holder;
# the winner's file says it succeeded.
IFS='|' read -r res held skipped ok age <<<"$(status "$T/$loser/report/report.status.json")" \
    || fail "the skipping host wrote no status file"
[ "$res" = skipped ] && [ -n "$skipped" ] && [ -z "$ok" ] && [ "$age" -lt 120 ] \
    && case "$held" in "bootstack report on "*" pid $winner (backend pid "*) true ;; *) false ;; esac \
    || fail "skipped status: $(cat "$T/$loser/report/report.status.json")"
echo "# the skipping host's status: skipped, held by $held, $age s ago"
if [ "$loser" = a ]; then other=b; else other=a; fi
IFS='|' read -r res held skipped ok age <<<"$(status "$T/$other/report/report.status.json")"
[ "$res" = ok ] && [ -n "$ok" ] || fail "winner's status: $(cat "$T/$other/report/report.status.json")"

# --- cert renew and dns sync while another session holds each lock -----------------------
# hold JOB: a psql session named as a run of another host would be, holding
# the job's lock until $T/release exists (bounded: 60 s).
hold() {
	PGAPPNAME="bootstack $1 on other-host pid 4242" psql -Atq -v ON_ERROR_STOP=1 >"$T/hold.out" 2>&1 <<SQL &
SELECT pg_advisory_lock(hashtextextended('bootstack job $1', 0));
\\! touch $T/held
\\! for i in \$(seq 600); do [ -e $T/release ] && break; sleep 0.1; done
SQL
	HOLD_PID=$!
	wait_for 100 test -e "$T/held" || fail "psql did not take the lock: $(cat "$T/hold.out")"
}
release() { touch "$T/release"; wait "$HOLD_PID"; rm -f "$T/held" "$T/release"; }
at_exit "touch $T/release"
n=0
for job in "cert renew" "dns sync"; do
	hold "$job"
	rc=0
	"$BS_BIN" -c "$T/a.conf" $job >"$T/job.out" 2>&1 || rc=$?
	release
	[ "$rc" = 0 ] || fail "$job exited $rc while held: $(cat "$T/job.out")"
	grep -q "^$job: skipped: bootstack $job on other-host pid 4242 (backend pid" "$T/job.out" \
	    || fail "$job while held: $(cat "$T/job.out")"
	echo "# $(head -n 1 "$T/job.out")"
	n=$((n + 1))
done
IFS='|' read -r res held skipped ok age <<<"$(status "$T/a/dns/sync.status.json")"
[ "$res" = skipped ] && case "$held" in "bootstack dns sync on other-host pid 4242 (backend pid "*) true ;; *) false ;; esac \
    || fail "dns sync skipped status: $(cat "$T/a/dns/sync.status.json" 2>&1)"
# cert renew: the skip in the certificate's own status file (a host that
# never ran it: the state folder is made for it)
IFS='|' read -r res held skipped ok age <<<"$(status "$T/a/acme/www.status.json")" \
    || fail "the skipping cert renew wrote no status file"
[ "$res" = skipped ] && [ -n "$skipped" ] && [ "$age" -lt 120 ] \
    && case "$held" in "bootstack cert renew on other-host pid 4242 (backend pid "*) true ;; *) false ;; esac \
    || fail "cert renew skipped status: $(cat "$T/a/acme/www.status.json" 2>&1)"
[ ! -e "$T/a/acme/live" ] || fail "the skipping cert renew installed something: $(ls -R "$T/a/acme")"
echo "# cert renew's skip on record in www.status.json: $res, held by $held, $age s ago"
# a stale_job rule on that file stays quiet (the skip is fresh), and
# cert_renew_failed does not fire on a skip
cat >"$T/alert.conf" <<CONF
$(cat "$T/a.conf")

[alerts]
state_file = $T/a/alerts.json

[alert certjob]
kind = stale_job
path = $T/a/acme/www.status.json
threshold = 1h

[alert renew]
kind = cert_renew_failed
cert = www
CONF
"$BS_BIN" -c "$T/alert.conf" alert check >"$T/alert.out" 2>&1
"$BS_BIN" -c "$T/alert.conf" alert status >"$T/alert-status.out" 2>&1
firing=$(grep -c ': firing' "$T/alert.out")
echo "# alert check on the skipping host: $firing firing"
sed 's/^/#   /' "$T/alert-status.out"
[ "$firing" = 0 ] || fail "alerts fire on a skipping host: $(cat "$T/alert.out")"
grep -q "the job was last skipped .* its lock held by bootstack cert renew on other-host" "$T/alert-status.out" \
    || fail "stale_job does not see the skip: $(cat "$T/alert-status.out")"

# not held: the job runs (and fails here, since no CA or DNS provider
# answers): proof that the lock, not the configuration, stopped it above
rc=0
"$BS_BIN" -c "$T/a.conf" dns sync >"$T/free.out" 2>&1 || rc=$?
[ "$rc" != 0 ] && ! grep -q skipped "$T/free.out" || fail "dns sync, lock free: exit $rc: $(cat "$T/free.out")"
# job_lock = local: no database lock at all, both reports run
JOB_LOCK=local host_conf a
JOB_LOCK=local host_conf b
"$BS_BIN" -c "$T/a.conf" report >"$T/a2.out" 2>&1 & apid=$!
"$BS_BIN" -c "$T/b.conf" report >"$T/b2.out" 2>&1 & bpid=$!
wait "$apid" && wait "$bpid" || fail "reports with job_lock = local: $(cat "$T/a2.out" "$T/b2.out")"
! grep -q skipped "$T/a2.out" "$T/b2.out" || fail "job_lock = local skipped a run"
echo "# held: $n of 2 jobs skipped naming the holder; job_lock = local: 2 of 2 reports ran"

# --- the lock's session ends mid-run --------------------------------------------------------
# Host c's report takes the lock and pauses (a test hook); its backend is
# terminated, as a PostgreSQL restart or a network cut would end it; the
# run goes on reading, then stops before writing, saying so, exit 1.
host_conf c
rm -f "$T/pause.held" "$T/pause.go"
at_exit "touch $T/pause.go"
BOOTSTACK_TEST_JOB_PAUSE=$T/pause "$BS_BIN" -c "$T/c.conf" report >"$T/c.out" 2>&1 &
cpid=$!
job_lock_cut report "$cpid" "$T/c.out"
crc=0
wait "$cpid" || crc=$?
grep -q "lost the job's lock 'bootstack job report' in the database" "$T/c.out" && [ "$crc" = 1 ] \
    || fail "lock lost mid-run: exit $crc: $(cat "$T/c.out")"
[ ! -e "$T/c/ops/index.json" ] && [ ! -e "$T/c/ops/goaccess.json" ] && [ ! -e "$T/c/report/positions" ] \
    || fail "the run that lost its lock wrote: $(ls -R "$T/c")"
IFS='|' read -r res held skipped ok age <<<"$(status "$T/c/report/report.status.json")"
[ "$res" = failed ] || fail "lost lock status: $(cat "$T/c/report/report.status.json" 2>&1)"
echo "# lock's backend terminated mid-run: exit $crc, nothing written: $(grep -o "lost the job's lock[^;]*" "$T/c.out")"
pass
