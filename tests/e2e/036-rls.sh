#!/usr/bin/env bash
# 036-rls: row-level security as a second wall between tenants
# (sql/0005_rls.sql). A query that forgot its WHERE tenant_id, run inside
# a request (the test build's hook, configure --enable-test-hooks), sees
# only the key's tenant's rows; as the API's role, a session without the
# setting sees none, one with it only that tenant's, and cannot write
# another's; the setting ends with its transaction; every table holding
# tenant_id but the key directory has a policy; the purge of expired
# Idempotency-Key records still reaches every tenant; no answer carries
# another tenant's rows while the API's backends are terminated and
# PostgreSQL restarts under requests of tenants in turns. Prints the
# counts.
. "$(dirname "$0")/lib.sh"

pg_start_roles
api_start
nginx_start
A=$("$BS_BIN" tenant create acme) || fail "tenant acme"
B=$("$BS_BIN" tenant create globex) || fail "tenant globex"
KA=$("$BS_BIN" key create --tenant acme --scope write) || fail "key a"
KB=$("$BS_BIN" key create --tenant globex --scope write) || fail "key b"
H='Content-Type: application/json'
for i in 1 2 3; do curl -s -o /dev/null -H "Authorization: Bearer $KA" -H "$H" -d "{\"title\":\"a$i\"}" "$URL/v1/tasks"; done
for i in 1 2 3 4 5; do curl -s -o /dev/null -H "Authorization: Bearer $KB" -H "$H" -d "{\"title\":\"b$i\"}" "$URL/v1/tasks"; done
[ "$(psql -Atc "SELECT count(*) FROM tasks")" = 8 ] || fail "setup: $(psql -Atc "SELECT count(*) FROM tasks") tasks"

# --- an unscoped SELECT inside a request ----------------------------------------
# unscoped KEY [HOOK]: the titles the forgetful query returns for KEY
# (HOOK untenanted: the same query run with no tenant at all)
unscoped() {
	local hook=${2:-unscoped}
	rm -f "$T/body" "$T/h"
	[ "$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $1" \
	    -H "X-Bootstack-Test: $hook" "$URL/v1/tasks?limit=100")" = 200 ] || fail "$hook: $(cat "$T/body")"
	grep -qi "^X-Bootstack-Test: $hook" "$T/h" \
	    || fail "the hook did not run: build with configure --enable-test-hooks (HACKING.md)"
	python3 -c "import json; print(' '.join(t['title'] for t in json.load(open('$T/body'))['items']))"
}
# the same statement without the wall, as the owner: every tenant's rows
[ "$(psql -Atc "SELECT count(*) FROM (SELECT id FROM tasks ORDER BY tenant_id, id LIMIT 101) s")" = 8 ] \
    || fail "the unscoped statement does not reach every row as the owner"
[ "$(unscoped "$KA")" = "a1 a2 a3" ] || fail "A's unscoped query saw: $(unscoped "$KA")"
[ "$(unscoped "$KB")" = "b1 b2 b3 b4 b5" ] || fail "B's unscoped query saw: $(unscoped "$KB")"
seen_a=$(unscoped "$KA" | wc -w) seen_b=$(unscoped "$KB" | wc -w)

# --- as the API's role, in psql --------------------------------------------------
asapi() { psql -U bs_api -v ON_ERROR_STOP=1 -qAt "$@"; }
[ "$(asapi -c "SELECT count(*) FROM tasks")" = 0 ] || fail "without the setting the API's role sees tasks"
[ "$(asapi -c "SELECT count(*) FROM idempotency_keys" -c "SELECT count(*) FROM tenant_ids" | tr '\n' ' ')" = "0 0 " ] \
    || fail "without the setting the API's role sees idempotency keys or counters"
[ "$(asapi -c "BEGIN" -c "SELECT set_config('bootstack.tenant_id', '$A', true)" -c "SELECT count(*) FROM tasks" \
    -c "COMMIT" -c "SELECT count(*) FROM tasks" | tr '\n' ' ')" = "$A 3 0 " ] \
    || fail "the setting is not held to its transaction"
# writes are held too: another tenant's rows cannot be made, changed or deleted
# t SQL: runs SQL in a transaction of tenant A's; prints its last result
# line, or the error (stderr is not buffered as stdout is: kept apart)
t() {
	asapi -c "BEGIN" -c "SELECT set_config('bootstack.tenant_id', '$A', true)" -c "$1" -c "COMMIT" \
	    >"$T/t.out" 2>"$T/t.err"
	if [ -s "$T/t.err" ]; then cat "$T/t.err"; else tail -1 "$T/t.out"; fi
}
t "INSERT INTO tasks (tenant_id, title) VALUES ($B, 'planted')" | grep -q "row-level security" \
    || fail "A's session planted a task in B"
[ "$(t "WITH u AS (UPDATE tasks SET title = 'x' RETURNING 1) SELECT count(*) FROM u")" = 3 ] \
    || fail "an UPDATE without WHERE reached beyond A's 3 rows"
[ "$(t "WITH d AS (DELETE FROM tasks WHERE tenant_id = $B RETURNING 1) SELECT count(*) FROM d")" = 0 ] \
    || fail "A's session deleted B's rows"
t "UPDATE tasks SET tenant_id = $B" | grep -q "row-level security" || fail "A's rows were moved to B"
[ "$(psql -Atc "SELECT count(*) FROM tasks WHERE tenant_id = $B AND title LIKE 'b%'")" = 5 ] || fail "B's rows changed"

# --- every tenant table has its policy -------------------------------------------
bare=$(psql -Atc "SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
    AND a.attname = 'tenant_id' WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
    AND NOT c.relrowsecurity AND c.relname <> 'api_keys'")
[ -z "$bare" ] || fail "tenant tables without row-level security: $bare"
policies=$(psql -Atc "SELECT count(*) FROM pg_policies WHERE policyname = 'tenant_rows'")

# --- the purge of expired Idempotency-Key records spans tenants -------------------
psql -qc "INSERT INTO idempotency_keys (tenant_id, key, request_sha256, created_at)
    VALUES ($B, 'old', sha256('x'), now() - interval '25 hours')" || fail "old key"
for i in 1 2 3 4; do	# the first idempotent request of each worker purges
	curl -s -o /dev/null -H "Authorization: Bearer $KA" -H "$H" -H "Idempotency-Key: \"k$i\"" \
	    -d "{\"title\":\"idem $i\"}" "$URL/v1/tasks"
done
[ "$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE key = 'old'")" = 0 ] || fail "the purge did not reach B's expired key"
[ "$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE tenant_id = $A")" = 4 ] || fail "A's keys"
# and replays still work under the policy
[ "$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $KA" -H "$H" -H 'Idempotency-Key: "k1"' \
    -d '{"title":"idem 1"}' "$URL/v1/tasks")" = 201 ] && grep -qi '^Idempotent-Replayed: true' "$T/h" || fail "replay under RLS"
# --- the session's tenant, switched and cleared ------------------------------------
# A connection keeps the tenant it last set (lib/db.h: db_run_tenant) and
# sets another only when a request needs it: tenants in turns on the same
# two workers' connections, a statement with no tenant (which must see
# nothing) between them, /healthz (no tenant either), and a transaction
# rolled back (an idempotent POST its handler refuses).
titles() { psql -Atc "SELECT string_agg(title, ' ' ORDER BY id) FROM tasks WHERE tenant_id = $1"; }
ta=$(titles "$A") tb=$(titles "$B")
[ "$(unscoped "$KA")" = "$ta" ] && [ -n "$ta" ] || fail "A's unscoped query saw: $(unscoped "$KA")"
wrong=0 turns=0
for i in 1 2 3 4 5 6; do
	[ "$(unscoped "$KA")" = "$ta" ] || wrong=$((wrong + 1))
	[ -z "$(unscoped "$KA" untenanted)" ] || wrong=$((wrong + 1))
	[ "$(unscoped "$KB")" = "$tb" ] || wrong=$((wrong + 1))
	[ "$(unscoped "$KB")" = "$tb" ] || wrong=$((wrong + 1))
	curl -sf -o /dev/null "$URL/healthz" || fail "healthz"
	[ "$(unscoped "$KB")" = "$tb" ] || wrong=$((wrong + 1))
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" -H "$H" \
	    -H "Idempotency-Key: \"refused-$i\"" -d '{"title":""}' "$URL/v1/tasks")
	case $code in 400|422) ;; *) fail "an idempotent POST with an empty title: $code" ;; esac
	[ -z "$(unscoped "$KB" untenanted)" ] || wrong=$((wrong + 1))
	[ "$(unscoped "$KA")" = "$ta" ] || wrong=$((wrong + 1))
	turns=$((turns + 8))
done
[ "$wrong" = 0 ] || fail "$wrong of $turns statements saw another tenant's rows, or any with no tenant"
[ "$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE key LIKE '%refused-%'")" = 0 ] \
    || fail "a refused idempotent POST left its key"

echo "rls: unscoped query saw $seen_a of 8 rows as A, $seen_b as B; $wrong wrong of $turns statements in turns of tenants; $policies tenant policies"

# --- the session's tenant across reconnects ------------------------------------------
# A worker's connection keeps its tenant (lib/db.c); a new connection holds
# none, and the handle must know it. Four clients ask in turns as A, as B
# and as A with no tenant (the untenanted hook: must see nothing), two
# write tasks as A and B in turns (POST, no Idempotency-Key), while
# the API's backends are terminated (mid-request, some of them) twice and
# PostgreSQL is restarted twice. Counted: answers with another tenant's
# rows or the wrong set (must be 0), requests that failed (503 while the
# database was away: printed), failures 2 s after the last restart (must
# be 0); of the writes, rows in the wrong tenant, acknowledged POSTs lost
# or stored twice (all must be 0).
rm -f "$T/stop" "$T/recovered" "$T/phases"
TA_ID=$A TB_ID=$B python3 - "$URL" "$KA" "$KB" "$ta" "$tb" "$T/stop" "$T/recovered" "$T/phases" >"$T/turns.out" 2>&1 <<'PY' &
import http.client, json, os, sys, threading, time, urllib.parse
url, ka, kb, ta, tb, stop, recovered, phases = sys.argv[1:9]
u = urllib.parse.urlsplit(url)
lock = threading.Lock()
log = []                                # (end time, outcome)
wrong = []
end = time.time() + 90                  # bounded: 90 s at most
def one(key, hook):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
    try:
        c.request("GET", "/v1/tasks?limit=100", headers={
            "Authorization": "Bearer " + key, "X-Bootstack-Test": hook})
        r = c.getresponse()
        return r.status, r.read()
    except Exception as e:
        return type(e).__name__, b""
    finally:
        c.close()
def client(n):
    i = n
    while not os.path.exists(stop) and time.time() < end:
        i += 1
        kind = i % 3
        key, hook, want = [(ka, "unscoped", ta), (kb, "unscoped", tb),
                           (ka, "untenanted", "")][kind]
        status, body = one(key, hook)
        if status == 200:
            # the writers' rows (r-TENANT-...) come and go: only the
            # reader's tenant's may show; the rest is the set of before
            titles = [t["title"] for t in json.loads(body)["items"]]
            got = " ".join(t for t in titles if not t.startswith("r-"))
            mine = "r-%s-" % "AB"[kind % 2]
            outcome = "ok" if got == want and all(
                t.startswith(mine) and hook == "unscoped"
                for t in titles if t.startswith("r-")) else "wrong"
            if outcome == "wrong":
                with lock:
                    wrong.append("%s/%s: got [%s] want [%s]" % (
                        "AB"[kind % 2], hook, got, want))
        else:
            outcome = str(status)
        with lock:
            log.append((time.time(), outcome))
        time.sleep(0.01)                # paced: a test, not a benchmark
acked, unacked = [], []                 # POSTs: (tenant, title)
wlog = []                               # POSTs: (end time, outcome)
def writer(n):
    i = 0
    while not os.path.exists(stop) and time.time() < end:
        i += 1
        who = "AB"[(i + n) % 2]
        title = "r-%s-%d-%d" % (who, n, i)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
        try:
            c.request("POST", "/v1/tasks", body=json.dumps({"title": title}),
                      headers={"Authorization": "Bearer " + (ka if who == "A" else kb),
                               "Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            status = r.status
        except Exception as e:
            status = type(e).__name__
        finally:
            c.close()
        with lock:
            (acked if status == 201 else unacked).append((who, title))
            wlog.append((time.time(), "ok" if status == 201 else str(status)))
        time.sleep(0.02)
threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
threads += [threading.Thread(target=writer, args=(n,)) for n in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
rec = float(open(recovered).read()) + 2 if os.path.exists(recovered) else end
counts = {}
for _, o in log:
    counts[o] = counts.get(o, 0) + 1
after = [o for t, o in log if t >= rec]
print("# 036 reconnects: %d requests in turns of tenants: %s; %d wrong-tenant answers, "
      "%d failed; from 2 s after the last restart: %d requests, %d failed" % (
      len(log), " ".join("%s=%d" % kv for kv in sorted(counts.items())),
      len(wrong), len(log) - counts.get("ok", 0) - len(wrong),
      len(after), sum(1 for o in after if o != "ok")))
# failures by the disruption that came last before them
marks = [l.split() for l in open(phases)] if os.path.exists(phases) else []
marks = [(float(t), how) for how, t in marks]
def by_phase(entries):
    by = {}
    for t, o in entries:
        if o == "ok":
            continue
        how = "before"
        for mt, mhow in marks:
            if mt <= t:
                how = mhow
        by[how] = by.get(how, 0) + 1
    return ", ".join("after %s #%d %d" % (h.split("#")[0], i + 1, by.get(h, 0))
                     for i, (t, h) in enumerate(marks))
print("# 036 reads failed by disruption: " + by_phase(log))
print("# 036 writes failed by disruption: " + by_phase(wlog))
wafter = [o for t, o in wlog if t >= rec]
for w in wrong[:5]:
    print("not ok: " + w)
# the writes: each acknowledged POST is one row of its tenant; none
# landed in the other tenant
import subprocess
rows = subprocess.run(["psql", "-Atc", "SELECT CASE tenant_id WHEN %s THEN 'A' "
    "WHEN %s THEN 'B' ELSE '?' END, title FROM tasks WHERE title LIKE 'r-%%'" % (
    os.environ["TA_ID"], os.environ["TB_ID"])], capture_output=True, text=True,
    check=True).stdout.split()
stored = {}
for line in rows:
    who, title = line.split("|")
    stored.setdefault(title, []).append(who)
misplaced = [t for t, w in stored.items() if w != [t.split("-")[1]]]
lost = [t for _, t in acked if t not in stored]
dup = [t for t, w in stored.items() if len(w) > 1]
written_unacked = sum(1 for _, t in unacked if t in stored)
print("# 036 writes in turns of tenants: %d POSTs acknowledged, %d not (%d of those "
      "stored anyway); %d rows in the wrong tenant, %d acknowledged and lost, %d twice; "
      "from 2 s after the last restart: %d POSTs, %d failed" % (
      len(acked), len(unacked), written_unacked, len(misplaced), len(lost), len(dup),
      len(wafter), sum(1 for o in wafter if o != "ok")))
ok = not wrong and after and all(o == "ok" for o in after) and acked \
    and not misplaced and not lost and not dup and wafter \
    and all(o == "ok" for o in wafter)
sys.exit(0 if ok else 1)
PY
turns_pid=$!
at_exit "touch $T/stop"
wait_for 100 sh -c "[ \$(psql -Atc \"SELECT count(*) FROM pg_stat_activity WHERE usename = 'bs_api'\") -ge 1 ]" \
    || fail "no API backend before the disruptions"
sleep 1
killed=0
i=0
for how in terminate restart terminate restart; do
	i=$((i + 1))
	echo "$how#$i $(date +%s.%N)" >>"$T/phases"
	case $how in
	terminate)
		n=$(psql -Atc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'bs_api'") \
		    || fail "pg_terminate_backend"
		killed=$((killed + n)) ;;
	restart)
		pg_stop
		pg_resume ;;
	esac
	sleep 1.5
done
date +%s.%N >"$T/recovered"
sleep 4
touch "$T/stop"
trc=0
wait "$turns_pid" || trc=$?
cat "$T/turns.out"
echo "# 036 disruptions: 2 terminations ($killed API backends ended), 2 restarts of PostgreSQL; $(grep -c '"database: reconnected"' "$T/api.log") reconnects logged"
[ "$trc" = 0 ] || fail "tenants across reconnects: see above"

# --- POSTs of tenants in turns on one worker -------------------------------------
# One worker, so one connection serves every request: keyed (new key, then
# its replay) and plain POSTs of A and B in turns, each title naming its
# tenant. A row, record or answer in the wrong tenant is counted.
api_stop
API_WORKERS=1 write_config "$(api_config)"
api_start
post() {	# KEY TITLE [IDEMPOTENCY-KEY]: the status; body in $T/body
	curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $1" -H "$H" \
	    ${3:+-H "Idempotency-Key: \"$3\""} -d "{\"title\":\"$2\"}" "$URL/v1/tasks"
}
posts=0 misplaced=0
for i in $(seq 10); do
	for t in a b a a b b; do
		k=$KA; [ $t = b ] && k=$KB
		for idem in "alt-$t-$i-$posts" ""; do
			code=$(post "$k" "alt-$t-$i-$posts" "$idem")
			posts=$((posts + 1))
			[ "$code" = 201 ] || { misplaced=$((misplaced + 1)); continue; }
			loc=$(sed -n 's/^Location: *//Ip' "$T/h" | tr -d '\r')
			[ -n "$idem" ] && { [ "$(post "$k" "alt-$t-$i-$((posts - 1))" "$idem")" = 201 ] \
			    && [ "$(sed -n 's/^Location: *//Ip' "$T/h" | tr -d '\r')" = "$loc" ] \
			    || misplaced=$((misplaced + 1)); }
			# the caller's key reads it back at its Location, with its title
			[ "$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $k" "$URL$loc")" = 200 ] \
			    && grep -q "\"alt-$t-$i-" "$T/body" || misplaced=$((misplaced + 1))
		done
	done
done
wrong_rows=$(psql -Atc "SELECT count(*) FROM tasks WHERE title LIKE 'alt-%'
    AND tenant_id <> CASE WHEN title LIKE 'alt-a-%' THEN $A ELSE $B END")
wrong_keys=$(psql -Atc "SELECT count(*) FROM idempotency_keys WHERE key LIKE 'alt-%'
    AND tenant_id <> CASE WHEN key LIKE 'alt-a-%' THEN $A ELSE $B END")
rows=$(psql -Atc "SELECT count(*) FROM tasks WHERE title LIKE 'alt-%'")
echo "# one worker, tenants in turns: $posts POSTs, $rows tasks, $wrong_rows in the wrong tenant, $wrong_keys keys in the wrong tenant, $misplaced answers wrong"
[ "$rows" = "$posts" ] || fail "$posts POSTs in turns made $rows tasks"
[ "$wrong_rows" = 0 ] && [ "$wrong_keys" = 0 ] && [ "$misplaced" = 0 ] \
    || fail "tenants in turns: $wrong_rows tasks and $wrong_keys keys in the wrong tenant, $misplaced answers wrong"
pass
