#!/usr/bin/env bash
# 102-patroni: the redundant database of docs/scale-out.md, on loopback:
# one etcd member and two PostgreSQL nodes managed by Patroni, both made
# from the shipped templates (dist/ha/etcd.default.in, dist/ha/patroni.yml.in)
# with synchronous_mode on and a short TTL, and bootstack-api behind nginx
# with the multi-host [database] (a silent host first, then both nodes,
# target_session_attrs = read-write).
#  - migrate finds the primary past the silent host (each host has its own
#    connect_timeout) and refuses the standby when pointed at it alone;
#  - under a bounded write loop (POST /v1/tasks), the primary's host "dies"
#    (Patroni and every postgres process of it killed -9): the standby is
#    promoted and the API serves writes again within the TTL plus a loop
#    (printed in seconds), and every write acknowledged with 201 is in the
#    new primary (printed: 0 lost);
#  - the old primary's Patroni, started again, rejoins it as a replica
#    (pg_rewind), which catches up with every acknowledged write.
# Everything runs as processes under $T (no systemd): Patroni and PostgreSQL
# as the postgres user when run as root.
. "$(dirname "$0")/lib.sh"

command -v patroni >/dev/null && command -v etcd >/dev/null \
    && command -v patronictl >/dev/null || fail "patroni or etcd not installed (./stack deps)"
[ -x "$PG_BINDIR/postgres" ] || fail "PostgreSQL server not installed"

TTL=10 LOOP_WAIT=2 RETRY_TIMEOUT=4
HA=$BS_TOP_SRCDIR/dist/ha
export HOME=$T/home
mkdir -p "$HOME" "$T/etcd"
PGOWNER=$(id -un)
if [ "$(id -u)" = 0 ]; then
	PGOWNER=postgres
	chown postgres: "$HOME"
fi
# as_pg CMD...: runs a command as the PostgreSQL owner.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	else
		"$@"
	fi
}

# --- etcd: one member --------------------------------------------------------
ETCD_CLIENT=$(free_port) ETCD_PEER=$(free_port)
sed -e "s|@NAME@|etcd1|g" -e "s|@ADDRESS@|127.0.0.1|g" \
    -e "s|@CLIENT_PORT@|$ETCD_CLIENT|g" -e "s|@PEER_PORT@|$ETCD_PEER|g" \
    -e "s|@DATA_DIR@|$T/etcd/data|g" \
    -e "s|@CLUSTER@|etcd1=http://127.0.0.1:$ETCD_PEER|g" \
    -e "s|@TOKEN@|bs-e2e-$$|g" "$HA/etcd.default.in" >"$T/etcd/etcd.env"
grep -q "@[A-Z_]*@" "$T/etcd/etcd.env" && fail "etcd template: a @WORD@ left: $(grep "@[A-Z_]*@" "$T/etcd/etcd.env")"
(set -a; . "$T/etcd/etcd.env"; exec etcd) >"$T/etcd.log" 2>&1 &
ETCD_PID=$!
at_exit 'kill -9 $ETCD_PID; wait $ETCD_PID'
wait_for 100 etcdctl --endpoints="http://127.0.0.1:$ETCD_CLIENT" endpoint health \
    || fail "etcd did not start"

# --- two Patroni nodes ---------------------------------------------------------
SILENT=$(free_port)
declare -A PGP REST PAT_PID
for n in 1 2; do
	PGP[$n]=$(free_port)
	REST[$n]=$(free_port)
	mkdir -p "$T/pg$n/sock"
	: >"$T/patroni$n.log"
	sed -e "s|@SCOPE@|bs-e2e|g" -e "s|@NAME@|pg$n|g" \
	    -e "s|@ADDRESS@|127.0.0.1|g" -e "s|@PG_PORT@|${PGP[$n]}|g" \
	    -e "s|@REST_PORT@|${REST[$n]}|g" \
	    -e "s|@ETCD_HOSTS@|127.0.0.1:$ETCD_CLIENT|g" \
	    -e "s|@NETWORK@|127.0.0.1/32|g" -e "s|@DATA_DIR@|$T/pg$n/data|g" \
	    -e "s|@BIN_DIR@|$PG_BINDIR|g" -e "s|@SOCKET_DIR@|$T/pg$n/sock|g" \
	    -e "s|@PGPASS@|$T/pg$n/pgpass|g" \
	    -e "s|@SUPERUSER_PASSWORD@|super-e2e|g" \
	    -e "s|@REPLICATION_PASSWORD@|repl-e2e|g" \
	    -e "s|@REWIND_PASSWORD@|rewind-e2e|g" \
	    -e "s|@TTL@|$TTL|g" -e "s|@LOOP_WAIT@|$LOOP_WAIT|g" \
	    -e "s|@RETRY_TIMEOUT@|$RETRY_TIMEOUT|g" \
	    "$HA/patroni.yml.in" >"$T/pg$n/patroni.yml"
	grep -q '@[A-Z_]*@' "$T/pg$n/patroni.yml" && fail "patroni template: a @WORD@ left"
	# fsync off: the kills below are of processes, not of the kernel
	# that holds their writes
	sed -i '/password_encryption:/a\    fsync: "off"' "$T/pg$n/patroni.yml"
	chmod 600 "$T/pg$n/patroni.yml"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$T/pg$n" "$T/patroni$n.log"
done

# patroni_start N: starts node N's Patroni in the background; PAT_PID[N]
# is Patroni itself (setpriv and env exec it), so a kill reaches it.
patroni_start() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=postgres --regid=postgres --init-groups -- \
		    env HOME="$HOME" patroni "$T/pg$1/patroni.yml" >>"$T/patroni$1.log" 2>&1 &
	else
		patroni "$T/pg$1/patroni.yml" >>"$T/patroni$1.log" 2>&1 &
	fi
	PAT_PID[$1]=$!
}
# postgres_pids N: the postmaster of node N and its children.
postgres_pids() {
	local pm
	pm=$(head -n 1 "$T/pg$1/data/postmaster.pid" 2>/dev/null) || return 0
	# a stale file's pid may be another process by now
	[ -n "$pm" ] && tr '\0' ' ' <"/proc/$pm/cmdline" 2>/dev/null \
	    | grep -qF -- "$T/pg$1/data" || return 0
	echo "$pm"
	pgrep -P "$pm"
}
# node_kill N: node N's host dies: Patroni and every postgres process, -9.
node_kill() {
	local p
	p=$(postgres_pids "$1")
	[ -n "${PAT_PID[$1]:-}" ] && kill -9 "${PAT_PID[$1]}" 2>/dev/null
	[ -n "$p" ] && kill -9 $p 2>/dev/null
	[ -n "${PAT_PID[$1]:-}" ] && wait "${PAT_PID[$1]}" 2>/dev/null
	PAT_PID[$1]=
}
# node_stop N: Patroni stops its PostgreSQL and exits (SIGTERM, 30 s),
# then whatever is left is killed.
node_stop() {
	local i
	if [ -n "${PAT_PID[$1]:-}" ]; then
		kill -TERM "${PAT_PID[$1]}" 2>/dev/null
		for i in $(seq 300); do
			kill -0 "${PAT_PID[$1]}" 2>/dev/null || break
			sleep 0.1
		done
	fi
	node_kill "$1"
}
at_exit 'node_stop 1; node_stop 2'

# members: patronictl's view, one "NAME ROLE STATE" line per member.
members() {
	as_pg env HOME="$HOME" patronictl -c "$T/pg1/patroni.yml" list -f json 2>/dev/null \
	    | python3 -c 'import json,sys
for m in json.load(sys.stdin): print(m["Member"], m["Role"].replace(" ", "_"), m["State"])'
}
# is_role NAME ROLE_REGEX: the member has that role and runs (or streams).
is_role() { members | grep -Eq "^$1 ($2) (running|streaming)$"; }
leader() { members | awk '$2 == "Leader" && $3 == "running" { print $1 }'; }

patroni_start 1
wait_for 600 is_role pg1 Leader || fail "pg1 did not become the leader: $(members)"
patroni_start 2
wait_for 900 is_role pg2 'Sync_Standby' || fail "pg2 did not become the synchronous standby: $(members)"
echo "# 102 members: $(members | tr '\n' ';')"

# psql_on N SQL: a query on node N as the superuser (its socket, peer).
psql_on() { as_pg psql -X -Atq -h "$T/pg$1/sock" -p "${PGP[$1]}" -U postgres -d "${3:-postgres}" -c "$2"; }
psql_on 1 "CREATE ROLE bootstack LOGIN PASSWORD 'bs-e2e'" >/dev/null || fail "create role"
psql_on 1 "CREATE DATABASE bootstack OWNER bootstack" >/dev/null || fail "create database"
[ "$(psql_on 1 "SHOW synchronous_standby_names")" != "" ] || fail "synchronous_mode did not set synchronous_standby_names"

# A host that accepts connections and never answers: each host gets its own
# connect_timeout, so the next one is still tried.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(600)' "$SILENT" &
SILENT_PID=$!
at_exit 'kill $SILENT_PID'

umask 077
printf 'bs-e2e\n' >"$T/db.password"
umask 022
{
	printf '[database]\nhost = 127.0.0.1,127.0.0.1,127.0.0.1\n'
	printf 'port = %s,%s,%s\n' "$SILENT" "${PGP[1]}" "${PGP[2]}"
	printf 'target_session_attrs = read-write\nname = bootstack\nuser = bootstack\n'
	printf 'password_file = %s\nconnect_timeout = 1\nmigrations_dir = %s\n' \
	    "$T/db.password" "$BS_SQLDIR"
	API_LOG_LEVEL=info api_config
} >"$BS_CONF"
"$BS_BIN" check-config >"$T/check.log" 2>&1 || fail "check-config refused the multi-host form: $(cat "$T/check.log")"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate through the host list: $(cat "$T/migrate.log")"
# The standby alone, taken as it is: migrate refuses it, saying why.
BOOTSTACK_DATABASE_HOST=127.0.0.1 BOOTSTACK_DATABASE_PORT=${PGP[2]} \
    BOOTSTACK_DATABASE_TARGET_SESSION_ATTRS=any "$BS_BIN" migrate >"$T/migrate2.log" 2>&1 \
    && fail "migrate ran on the standby"
grep -q "is a standby" "$T/migrate2.log" || fail "migrate on the standby: $(cat "$T/migrate2.log")"
BOOTSTACK_DATABASE_HOST=127.0.0.1 BOOTSTACK_DATABASE_PORT=${PGP[2]} \
    "$BS_BIN" migrate >"$T/migrate3.log" 2>&1 && fail "read-write accepted the standby"
"$BS_BIN" tenant create ha >/dev/null || fail "tenant create"
KEY=$("$BS_BIN" key create --tenant ha --scope write) || fail "key create"

api_start
nginx_start
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d '{"title":"first"}' "$URL/v1/tasks")
[ "$code" = 201 ] || fail "a first write: $code"

# --- the primary's host dies under the write loop -------------------------------
python3 "$BS_TOP_SRCDIR/tests/e2e/write-loop.py" "$URL" "$KEY" 5000 150 "$T/writes.log" \
    --until "$T/stop" --timeout 10 >"$T/write-loop.out" 2>&1 &
LOOP_PID=$!
at_exit 'touch $T/stop; wait $LOOP_PID'
acked() { awk '$2 == 201' "$T/writes.log" 2>/dev/null | wc -l; }
wait_for 300 sh -c "[ \$(awk '\$2 == 201' '$T/writes.log' | wc -l) -ge 30 ]" \
    || fail "the write loop did not get going: $(tail -3 "$T/writes.log")"
OLD=$(leader)
[ "$OLD" = pg1 ] || fail "the leader is $OLD, not pg1"
before=$(acked)
t_kill=$(date +%s.%N)
node_kill 1
t_dead=$(date +%s.%N)
echo "# 102 killed -9: pg1's Patroni and postgres ($before writes acknowledged so far)"

# The first 201 of a write sent once pg1 was dead (a write in flight at
# the kill may still have been acknowledged by pg1).
first_after() { awk -v t="$t_dead" '$4 > t && $2 == 201 { print $1; exit }' "$T/writes.log"; }
wait_for 900 sh -c "awk -v t=$t_dead '\$4 > t && \$2 == 201 { f = 1 } END { exit !f }' '$T/writes.log'" \
    || fail "no write acknowledged after the kill: $(members); $(tail -3 "$T/writes.log")"
t_back=$(first_after)
wait_for 300 is_role pg2 Leader || fail "pg2 is not the leader: $(members)"
secs=$(python3 -c "print('%.1f' % ($t_back - $t_kill))")
n_fail=$(awk -v t="$t_kill" -v b="$t_back" '$1 > t && $1 < b && $2 != 201' "$T/writes.log" | wc -l)
echo "# 102 writes again ${secs} s after the kill (ttl $TTL, loop_wait $LOOP_WAIT); $n_fail writes refused meanwhile ($(awk -v t="$t_kill" -v b="$t_back" '$1 > t && $1 < b { print $2 }' "$T/writes.log" | sort | uniq -c | tr -s ' \n' ' '))"
# Writes go on against the new primary for a moment, then the loop stops.
n=$(acked)
wait_for 300 sh -c "[ \$(awk '\$2 == 201' '$T/writes.log' | wc -l) -ge $((n + 20)) ]" \
    || fail "writes did not go on after the failover"
touch "$T/stop"
wait "$LOOP_PID"
cat "$T/write-loop.out"
grep -q '^writes:' "$T/write-loop.out" || fail "the write loop: $(cat "$T/write-loop.out")"
bad=$(awk '$2 != 201 && $2 != 503' "$T/writes.log" | wc -l)

# --- every acknowledged write is in the new primary -------------------------------
awk '$2 == 201 { print $3 }' "$T/writes.log" | sort >"$T/acked.txt"
# counts tasks titled like the loop's on node N, into $T/stored-N.txt
stored() {
	psql_on "$1" "SELECT title FROM tasks WHERE title LIKE 'w-%'" bootstack | sort >"$T/stored-$1.txt"
}
stored 2 || fail "reading the new primary"
n_acked=$(wc -l <"$T/acked.txt")
lost=$(comm -23 "$T/acked.txt" "$T/stored-2.txt" | wc -l)
extra=$(comm -13 "$T/acked.txt" "$T/stored-2.txt" | wc -l)
echo "# 102 writes acknowledged (201): $n_acked; in the new primary: $((n_acked - lost)); lost: $lost; stored but not acknowledged (a 503 or timeout whose commit landed): $extra; neither 201 nor 503: $bad"
[ "$lost" = 0 ] || fail "$lost acknowledged writes lost: $(comm -23 "$T/acked.txt" "$T/stored-2.txt" | head -5 | tr '\n' ' ')"
[ "$bad" = 0 ] || fail "answers other than 201/503: $(awk '$2 != 201 && $2 != 503' "$T/writes.log" | head -3)"
grep -q 'database: reconnected, to 127.0.0.1:'"${PGP[2]}" "$T/api.log" \
    || fail "the API did not log its reconnect to the new primary"

# --- the old primary rejoins as a replica --------------------------------------------
t_rejoin=$SECONDS
patroni_start 1
wait_for 1200 is_role pg1 'Replica|Sync_Standby' || fail "pg1 did not rejoin: $(members)"
how="without pg_rewind"
grep -q 'pg_rewind' "$T/patroni1.log" && how="$(grep -c 'pg_rewind' "$T/patroni1.log") pg_rewind lines in its log"
echo "# 102 pg1 rejoined in $((SECONDS - t_rejoin)) s ($how); members: $(members | tr '\n' ';')"
# It has every acknowledged write (it replays from the new primary).
caught_up() { stored 1 && [ -z "$(comm -23 "$T/acked.txt" "$T/stored-1.txt")" ]; }
wait_for 600 caught_up || fail "the rejoined pg1 misses $(comm -23 "$T/acked.txt" "$T/stored-1.txt" | wc -l) acknowledged writes"
echo "# 102 the rejoined pg1 holds all $n_acked acknowledged writes"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d '{"title":"last"}' "$URL/v1/tasks")
[ "$code" = 201 ] || fail "a write after the rejoin: $code"
pass
