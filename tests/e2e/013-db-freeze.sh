#!/usr/bin/env bash
# 013-db-freeze: a hung PostgreSQL (the postmaster and every backend
# SIGSTOPped for 10 s, so connections stay open and nothing answers) under
# bounded load loops through nginx (tests/e2e/http-load.py):
#  - /healthz, /version and /metrics need no database: every probe is
#    answered 200 within its deadline ([api] request_timeout, 5 s here);
#  - the database routes cost a bounded time: each request is answered
#    (200 or 503), none hangs until nginx or the master gives up (no 502,
#    504, timeout or reset);
#  - /readyz says 503 within a second or two of the freeze, and 200 again
#    within 2 s of SIGCONT, and every database route works after;
#  - the log stays small: warnings and errors are rate-limited ([api]
#    log_rate_limit), a summary line counts the rest.
# Prints the counts of each loop, when readyz flipped, and the log lines.
. "$(dirname "$0")/lib.sh"

LOAD="python3 $BS_TOP_SRCDIR/tests/e2e/http-load.py"
pg_start
API_WORKERS=4
API_LOG_LEVEL=info
write_config "statement_timeout = 1000
connect_timeout = 3
$(api_config 'request_timeout = 5
max_requests = 0')"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
"$BS_BIN" tenant create frozen >/dev/null || fail "tenant create"
KEY=$("$BS_BIN" key create --tenant frozen --scope read) || fail "key create"
api_start
nginx_start
wait_for 50 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $URL/readyz)\" = 200 ]" \
    || fail "readyz not 200 before the freeze"

now() { date +%s.%N; }
FROZEN=
at_exit '[ -n "$FROZEN" ] && kill -CONT $FROZEN'

# The loops: probes of the routes without a database (2 clients, paced),
# readyz (1 client, paced) and the database routes (4 clients, flat out).
# Each stops at the stop file, or after its count or 60 s.
rm -f "$T/stop"
$LOAD "$URL" 2 4000 60 /healthz /version /metrics --until "$T/stop" \
    --timeout 5 --pace 0.05 --log "$T/probes.log" >"$T/probes.out" 2>&1 &
probes=$!
$LOAD "$URL" 1 1000 60 /readyz --until "$T/stop" --timeout 5 --pace 0.05 \
    --log "$T/readyz.log" >"$T/readyz.out" 2>&1 &
ready=$!
$LOAD "$URL" 4 100000 60 /v1/tasks /readyz --until "$T/stop" --timeout 15 \
    --header "Authorization: Bearer $KEY" --log "$T/db.log" >"$T/db.out" 2>&1 &
dbload=$!
for f in probes readyz db; do
	wait_for 300 sh -c "[ \$(wc -l <'$T/$f.log') -ge 5 ]" 2>/dev/null \
	    || fail "the $f loop did not start"
done
lines0=$(wc -l <"$T/api.log")

FROZEN=$(pg_pids)
t_freeze=$(now)
kill -STOP $FROZEN
sleep 10
t_cont=$(now)
kill -CONT $FROZEN
FROZEN=
# Back: readyz 200 ten times in a row (every worker), within 30 s.
wait_for 300 sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do [ \"\$(curl -s -o /dev/null -m 5 -w '%{http_code}' $URL/readyz)\" = 200 ] || exit 1; done" \
    || fail "readyz not back to 200 after SIGCONT"
sleep 3
touch "$T/stop"
wait "$probes" "$ready" "$dbload"
lines1=$(wc -l <"$T/api.log")

echo "# 013 probes (healthz, version, metrics): $(cat "$T/probes.out")" >&2
echo "# 013 readyz: $(cat "$T/readyz.out")" >&2
echo "# 013 database routes (tasks, readyz): $(cat "$T/db.out")" >&2
python3 - "$T" "$t_freeze" "$t_cont" "$((lines1 - lines0))" <<'PY' || fail "see above"
import json, sys
T, t_freeze, t_cont, nlines = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
def load(name):
    out = []
    for line in open("%s/%s.log" % (T, name)):
        start, end, status, path = line.split()
        out.append((float(start), float(end), status, path))
    return out
ok = True
def check(cond, msg):
    global ok
    if not cond:
        print("not ok: " + msg, file=sys.stderr)
        ok = False

probes, ready, db = load("probes"), load("readyz"), load("db")
during = [p for p in probes if t_freeze <= p[0] < t_cont]
bad = [p for p in probes if p[2] != "200"]
print("# 013 probes during the freeze: %d, failed %d of %d in all, slowest %.2f s"
      % (len(during), len(bad), len(probes), max(p[1] - p[0] for p in probes)),
      file=sys.stderr)
check(len(during) >= 10, "only %d probes during the freeze" % len(during))
check(not bad, "probes failed: %s" % bad[:5])

# readyz: the first 503 after the freeze, the first 200 after SIGCONT
first503 = min((r[1] for r in ready if r[0] >= t_freeze and r[2] == "503"), default=None)
first200 = min((r[1] for r in ready if r[0] >= t_cont and r[2] == "200"), default=None)
hung = [r for r in ready if r[2] not in ("200", "503")]
print("# 013 readyz: 503 %.2f s after the freeze, 200 %.2f s after SIGCONT; %d not 200/503"
      % ((first503 or 0) - t_freeze, (first200 or 0) - t_cont, len(hung)), file=sys.stderr)
check(first503 is not None and first503 - t_freeze <= 3.0,
      "readyz did not say 503 within 3 s of the freeze")
check(first200 is not None and first200 - t_cont <= 2.0,
      "readyz not 200 within 2 s of SIGCONT")
check(not hung, "readyz answers that are not 200/503: %s" % hung[:5])
late = [r for r in ready if r[0] >= t_freeze + 3 and r[1] < t_cont and r[2] != "503"]
check(not late, "readyz not 503 while frozen: %s" % late[:5])

# the database routes: every request answered, 200 or 503
codes = {}
for r in db:
    codes[r[2]] = codes.get(r[2], 0) + 1
worst = max((r[1] - r[0] for r in db if t_freeze <= r[0] < t_cont), default=0)
after = [r for r in db if r[0] >= t_cont + 2 and r[2] != "200"]
print("# 013 database routes: %s; slowest while frozen %.2f s; %d not 200 from 2 s after SIGCONT"
      % (" ".join("%s=%d" % kv for kv in sorted(codes.items())), worst, len(after)),
      file=sys.stderr)
check(set(codes) <= {"200", "503"}, "database routes answered %s" % codes)
check(codes.get("503", 0) > 0, "no 503 while the database was frozen")
check(not after, "database routes failing after recovery: %s" % after[:5])

# the log: warnings and errors, with the limiter's summaries
lines = [json.loads(l) for l in open(T + "/api.log").read().splitlines()[-nlines:] if l.startswith("{")]
loud = [l for l in lines if l.get("level") in ("warn", "error")]
summed = sum(l.get("suppressed", 0) for l in loud)
failed = codes.get("503", 0)
print("# 013 log: %d lines over the freeze (%d warn/error, %d summaries counting %d more) for %d failed requests"
      % (len(lines), len(loud), sum(1 for l in loud if "suppressed" in l), summed, failed),
      file=sys.stderr)
# 4 workers, a few kinds of line, 11 a second each (10 + a summary), ~20 s
check(len(loud) <= 4 * 4 * 11 * 20, "%d warn/error lines" % len(loud))
sys.exit(0 if ok else 1)
PY
kill -0 "$API_PID" || fail "the daemon died"
grep -q "ran past request_timeout" "$T/api.log" && fail "a worker was killed at its deadline"
pass
