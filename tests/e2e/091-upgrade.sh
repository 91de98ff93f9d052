#!/usr/bin/env bash
# 091-upgrade: the zero-downtime upgrade and the rollback of
# docs/rollback.md, under a steady request loop through nginx.
#
# Release 91.1.0 is a copy of the tree; release 91.2.0 is the same plus
# the /v1/notes resource of docs/add-a-resource.md (a new migration, a new
# route), applied by doc-replay.py. 91.1.0 is installed into a DESTDIR and
# its bootstack-api runs from there. Then, while clients keep calling:
# `make install` of 91.2.0 over it, `bootstack migrate`, SIGUSR2 (the
# master execs the new program, keeping its pid, socket and workers until
# the new ones run); a broken program file refused by the upgrade's
# self-test; and the rollback: `make install` of 91.1.0, SIGUSR2. Not one
# request may fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/install-lib.sh"

# --- two releases ------------------------------------------------------------
scratch_tree "$T/v1"
cp -a "$T/v1" "$T/v2"
python3 "$BS_TOP_SRCDIR/tests/e2e/doc-replay.py" "$BS_TOP_SRCDIR/docs/add-a-resource.md" \
    "$T/v2" >"$T/replay.log" 2>&1 || fail "replaying add-a-resource.md: $(tail -3 "$T/replay.log")"
# With the sanitizers, as CI builds: the exec and the adoption of the old
# workers run under ASan/UBSan too.
scratch_configure "$T/v1" "$T/b1" 91.1.0 $FHS_ARGS --enable-sanitizers
scratch_configure "$T/v2" "$T/b2" 91.2.0 $FHS_ARGS --enable-sanitizers
scratch_make "$T/b1"
scratch_make "$T/b2"

R=$T/root
scratch_make "$T/b1" install DESTDIR="$R"
BS_BIN=$R/usr/bin/bootstack
BS_API_BIN=$R/usr/sbin/bootstack-api
BS_SQLDIR=$R/usr/share/bootstack/sql
API_LOG_LEVEL=info
pg_start
write_config "$(api_config)"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate 91.1.0: $(cat "$T/migrate.log")"
api_start
nginx_start
"$BS_BIN" tenant create acme >/dev/null || fail "tenant create"
KEY=$("$BS_BIN" key create --tenant acme --scope write) || fail "key create"
AUTH="Authorization: Bearer $KEY"
JSON='Content-Type: application/json'
[ "$(http_status /version)" = 200 ] && grep -q '"version":"91.1.0"' "$T/body" \
    || fail "91.1.0 not serving: $(cat "$T/body")"

# --- clients: readiness, a list and a write, in a loop until told to stop ---
client() {	# $1: output file, one status per line
	while [ ! -e "$T/stop" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' "$URL/readyz"
		curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH" "$URL/v1/tasks?limit=5"
		curl -s -o /dev/null -w '%{http_code}\n' -H "$AUTH" -H "$JSON" \
		    -d '{"title":"under upgrade"}' "$URL/v1/tasks"
	done >"$1"
}
client "$T/load1" &
c1=$!
client "$T/load2" &
c2=$!
client "$T/load3" &
c3=$!
at_exit "touch $T/stop; wait $c1 $c2 $c3"
sleep 1

# upgrade: $1 the version expected after it. Sends SIGUSR2 and waits for
# the master to say it runs it and for every old worker to be gone.
upgrade() {
	local old
	old=$(api_workers)
	kill -USR2 "$API_PID"
	wait_for 100 grep -q "upgraded: bootstack-api $1 " "$T/api.log" \
	    || fail "no 'upgraded: bootstack-api $1' in the log"
	for p in $old; do
		wait_for 100 sh -c "! kill -0 $p" || fail "old worker $p still runs"
	done
	kill -0 "$API_PID" || fail "the master is gone"
	[ "$(http_status /version)" = 200 ] && grep -q "\"version\":\"$1\"" "$T/body" \
	    || fail "after the upgrade, /version: $(cat "$T/body")"
}

# --- upgrade to 91.2.0: install, migrate, SIGUSR2 ------------------------------
scratch_make "$T/b2" install DESTDIR="$R"
"$BS_BIN" migrate >"$T/migrate2.log" 2>&1 || fail "migrate 91.2.0: $(cat "$T/migrate2.log")"
grep -q "applied 000[0-9]_notes.sql" "$T/migrate2.log" || fail "migrate 91.2.0: $(cat "$T/migrate2.log")"
upgrade 91.2.0
grep -q "upgraded: bootstack-api 91.2.0 (was 91.1.0)" "$T/api.log" || fail "upgrade not logged as such"
code=$(http_status /v1/notes -H "$AUTH" -H "$JSON" -d '{"body":"new in 91.2.0"}')
[ "$code" = 201 ] || fail "the new resource after the upgrade: $code $(cat "$T/body")"
sleep 1

# --- a broken program file: the self-test refuses it, the old one serves on ----
rm -f "$BS_API_BIN"	# as install(1) does: the running file is busy
printf '#!/bin/sh\necho "broken build" >&2\nexit 1\n' >"$BS_API_BIN"
chmod 755 "$BS_API_BIN"
kill -USR2 "$API_PID"
wait_for 50 grep -q "upgrade refused" "$T/api.log" || fail "a broken program was not refused"
[ "$(http_status /version)" = 200 ] && grep -q '"version":"91.2.0"' "$T/body" \
    || fail "not serving after a refused upgrade: $(cat "$T/body")"
kill -0 "$API_PID" || fail "the master died on a refused upgrade"

# --- rollback to 91.1.0 (docs/rollback.md): install the previous build, SIGUSR2 --
scratch_make "$T/b1" install DESTDIR="$R"
upgrade 91.1.0
grep -q "upgraded: bootstack-api 91.1.0 (was 91.2.0)" "$T/api.log" || fail "rollback not logged"
[ "$(http_status /v1/notes/1 -H "$AUTH")" = 404 ] || fail "91.1.0 still serves /v1/notes"
"$BS_BIN" migrate | grep -q "nothing to apply" || fail "migrate after the rollback"
sleep 1

# --- not one failed request -------------------------------------------------------
touch "$T/stop"
wait "$c1" "$c2" "$c3"
cat "$T/load1" "$T/load2" "$T/load3" >"$T/codes"
total=$(wc -l <"$T/codes")
bad=$(grep -vcE '^(200|201)$' "$T/codes")
[ "$total" -gt 100 ] || fail "the client loop made only $total requests"
[ "$bad" = 0 ] || fail "$bad of $total requests failed: $(grep -vE '^(200|201)$' "$T/codes" | sort | uniq -c)"
grep '"level":"error"' "$T/api.log" | grep -v "upgrade refused" | grep -q . \
    && fail "errors in the log: $(grep '"level":"error"' "$T/api.log" | grep -v 'upgrade refused' | head -3)"
echo "# 091-upgrade: $total requests, none failed, across 2 upgrades and a refusal" >&2
pass
