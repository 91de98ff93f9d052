#!/bin/bash
# 020-migrate.sh: `bootstack migrate` against a private PostgreSQL cluster.
#
# Works on a copy of sql/ under $T, so it can add, edit and break migration
# files: first run, re-run, status, a new file, an edited applied file, a
# broken pending file (rolled back whole), name checks, and two concurrent
# runs that must apply a slow migration exactly once.
. "$(dirname "$0")/lib.sh"

pg_start
mkdir -p "$T/sql"
# The engine is under test, not the schema: the first migration alone, so
# the project's later ones do not take the numbers the cases below use.
cp "$BS_SQLDIR"/0001_init.sql "$T/sql/" || fail "cannot copy $BS_SQLDIR"
BS_SQLDIR=$T/sql
# Below the 2 s of the slow migration at the end: migrate must lift it for
# the migration and for the wait on the lock.
write_config "statement_timeout = 1000"

# Runs bootstack migrate with args; sets $rc, $out and $err.
migrate() {
	"$BS_BIN" migrate "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# One value from the database.
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

# schema_migrations as text, to check that a run changed nothing.
history() { q "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"; }

# Whether a table exists: t or f.
has_table() { q "SELECT to_regclass('public.$1') IS NOT NULL"; }

# --- help --------------------------------------------------------------------
"$BS_BIN" migrate --help >"$T/out" 2>&1 || fail "migrate --help exited non-zero"
grep -q "^usage: bootstack .* migrate$" "$T/out" && grep -q "bootstack migrate status --help" "$T/out" \
    || fail "migrate --help: no usage line: $(cat "$T/out")"

# --- status before anything: all pending, nothing created -----------------
migrate status
[ "$rc" = 0 ] || fail "status on an empty database exited $rc: $err"
echo "$out" | grep -q "0001_init.sql.*pending" || fail "status: 0001 not pending: $out"
[ "$(has_table schema_migrations)" = f ] || fail "status created schema_migrations"

# --- first run ---------------------------------------------------------------
migrate
[ "$rc" = 0 ] || fail "first run exited $rc: $err"
[ "$out" = "applied 0001_init.sql" ] || fail "first run printed: $out"
[ -z "$err" ] || fail "first run wrote on stderr: $err"
for t in tenants api_keys tasks idempotency_keys schema_migrations; do
	[ "$(has_table "$t")" = t ] || fail "table $t missing after the first run"
done
sum=$(sha256sum "$T/sql/0001_init.sql" | cut -d' ' -f1)
[ "$(q "SELECT name || ' ' || checksum FROM schema_migrations WHERE version = 1")" = "init $sum" ] ||
    fail "schema_migrations row for 0001 is wrong"

# The schema enforces what it says.
q "INSERT INTO tenants (name) VALUES ('acme')" >/dev/null || fail "cannot insert a tenant"
q "INSERT INTO tasks (tenant_id, title) VALUES (1, 'x')" >/dev/null || fail "cannot insert a task"
q "UPDATE tasks SET title = 'y'" >/dev/null || fail "cannot update a task"
[ "$(q "SELECT status || ' ' || version FROM tasks")" = "todo 2" ] ||
    fail "task defaults or version trigger wrong: $(q "SELECT status, version FROM tasks")"
q "INSERT INTO tasks (tenant_id, title, status) VALUES (1, 'x', 'nope')" >/dev/null 2>&1 &&
    fail "a bad task status was accepted"
q "INSERT INTO api_keys (tenant_id, prefix, secret_sha256, scopes) VALUES (1, 'abcd1234', sha256('s'), '{read,admin}')" >/dev/null 2>&1 &&
    fail "a bad scope was accepted"
q "INSERT INTO api_keys (tenant_id, prefix, secret_sha256, scopes) VALUES (1, 'abcd1234', sha256('s'), '{read,write}')" >/dev/null ||
    fail "a good api key was refused"
q "DELETE FROM tenants" >/dev/null || fail "cannot delete a tenant"
[ "$(q "SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM api_keys)")" = 0 ] ||
    fail "deleting a tenant did not cascade"

# --- second run: nothing to do, nothing changed -----------------------------
before=$(history)
migrate
[ "$rc" = 0 ] || fail "second run exited $rc: $err"
[ "$out" = "nothing to apply" ] || fail "second run printed: $out"
[ "$(history)" = "$before" ] || fail "second run changed schema_migrations"

# --- status ------------------------------------------------------------------
migrate status
[ "$rc" = 0 ] || fail "status exited $rc: $err"
echo "$out" | grep -Eq "^0001 +0001_init.sql +applied at [0-9-]+T[0-9:]+Z$" ||
    fail "status does not list 0001 as applied: $out"

# --- a new file: only it is applied -------------------------------------------
printf 'ALTER TABLE tasks ADD COLUMN note text;\n' >"$T/sql/0002_task_note.sql"
printf 'not a migration\n' >"$T/sql/README"
printf 'SELECT 1;\n' >"$T/sql/0001_init.sql~"
migrate
[ "$rc" = 0 ] || fail "run with 0002 exited $rc: $err"
[ "$out" = "applied 0002_task_note.sql" ] || fail "run with 0002 printed: $out"
[ "$(q "SELECT count(*) FROM schema_migrations")" = 2 ] || fail "0002 not recorded once"
q "SELECT note FROM tasks" >/dev/null || fail "0002 was not applied"

# --- an applied file edited: refuse to run anything ---------------------------
cp "$T/sql/0001_init.sql" "$T/init.orig"
printf -- '-- an innocent comment\n' >>"$T/sql/0001_init.sql"
printf 'CREATE TABLE t3 (id int);\n' >"$T/sql/0003_t3.sql"
before=$(history)
migrate
[ "$rc" != 0 ] || fail "a run with an edited applied file exited 0"
echo "$err" | grep -q "0001_init.sql" || fail "edit error does not name the file: $err"
echo "$err" | grep -q "edited" || fail "edit error does not say edited: $err"
[ "$(echo "$err" | wc -l)" = 1 ] || fail "edit error is not one line: $err"
[ "$(has_table t3)" = f ] || fail "0003 was applied despite the edited 0001"
[ "$(history)" = "$before" ] || fail "schema_migrations changed despite the edited 0001"
migrate status
echo "$out" | grep -Eq "^0001 +0001_init.sql +edited$" || fail "status does not show the edit: $out"
cp "$T/init.orig" "$T/sql/0001_init.sql"
rm "$T/sql/0003_t3.sql"

# --- an applied file removed: refuse too --------------------------------------
mv "$T/sql/0002_task_note.sql" "$T/note.orig"
migrate
[ "$rc" != 0 ] || fail "a run with a missing applied file exited 0"
echo "$err" | grep -q "0002_task_note.sql.*missing" || fail "missing-file error: $err"
mv "$T/note.orig" "$T/sql/0002_task_note.sql"

# --- malformed names and duplicate versions -------------------------------------
printf 'SELECT 1;\n' >"$T/sql/0003-dash.sql"
migrate
[ "$rc" != 0 ] || fail "a malformed migration name was accepted"
echo "$err" | grep -q "0003-dash.sql" || fail "malformed-name error does not name it: $err"
rm "$T/sql/0003-dash.sql"
printf 'SELECT 1;\n' >"$T/sql/0002_other.sql"
migrate
[ "$rc" != 0 ] || fail "a duplicate version was accepted"
echo "$err" | grep -q "same version 0002" || fail "duplicate-version error: $err"
rm "$T/sql/0002_other.sql"

# --- a broken pending file: nothing of it is committed -------------------------
printf 'CREATE TABLE half (id int);\nCREAT TABLE oops (id int);\n' >"$T/sql/0003_broken.sql"
before=$(history)
migrate
[ "$rc" != 0 ] || fail "a broken migration exited 0"
echo "$err" | grep -q "0003_broken.sql" || fail "SQL error does not name the file: $err"
echo "$err" | grep -q "line 2" || fail "SQL error does not give the line: $err"
echo "$err" | grep -q "syntax error" || fail "SQL error lacks PostgreSQL's message: $err"
[ "$(has_table half)" = f ] || fail "the broken migration was partly committed"
[ "$(history)" = "$before" ] || fail "schema_migrations changed by a failed migration"
[ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ] ||
    fail "the advisory lock outlived the failed run"
rm "$T/sql/0003_broken.sql"

# --- two concurrent runs: the slow migration is applied exactly once ------------
# The second run waits on the advisory lock, then finds nothing to do.
printf 'SELECT pg_sleep(2);\nCREATE TABLE slept (id int);\n' >"$T/sql/0003_slow.sql"
"$BS_BIN" migrate >"$T/run1.out" 2>"$T/run1.err" &
p1=$!
"$BS_BIN" migrate >"$T/run2.out" 2>"$T/run2.err" &
p2=$!
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
[ "$rc1" = 0 ] || fail "concurrent run 1 exited $rc1: $(cat "$T/run1.err")"
[ "$rc2" = 0 ] || fail "concurrent run 2 exited $rc2: $(cat "$T/run2.err")"
[ "$(q "SELECT count(*) FROM schema_migrations WHERE version = 3")" = 1 ] ||
    fail "0003 not recorded exactly once"
[ "$(cat "$T/run1.out" "$T/run2.out" | grep -c "^applied 0003_slow.sql$")" = 1 ] ||
    fail "not exactly one run applied 0003: $(cat "$T/run1.out" "$T/run2.out")"
[ "$(cat "$T/run1.out" "$T/run2.out" | grep -c "^nothing to apply$")" = 1 ] ||
    fail "the other run did not find nothing to apply"
[ "$(has_table slept)" = t ] || fail "0003_slow.sql not applied"

pass
