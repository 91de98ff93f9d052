#!/usr/bin/env bash
# 034-roles: least privilege in PostgreSQL (sql/0004_roles.sql). `bootstack
# migrate` logs in as [database] owner, creates the API's role and grants
# it rows only; as that role, every statement that could destroy or
# change the schema, or the migrations' record, fails, while the API
# serves. The daemon warns at start, and check-config reports, when the
# API's role is a superuser or the owner. Prints what was tried.
. "$(dirname "$0")/lib.sh"

pg_start_roles
[ "$(psql -Atc "SELECT format('%s%s%s%s%s', rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolcanlogin) FROM pg_roles WHERE rolname = 'bs_api'")" \
    = fffft ] || fail "bs_api: $(psql -Atc "SELECT * FROM pg_roles WHERE rolname = 'bs_api'")"
[ "$(psql -Atc "SELECT count(*) FROM pg_class WHERE relowner = 'bs_api'::regrole")" = 0 ] || fail "bs_api owns something"
# a second run changes nothing and fails on nothing
"$BS_BIN" migrate >"$T/migrate2.log" 2>&1 || fail "second migrate: $(cat "$T/migrate2.log")"
api_start
nginx_start
grep -q "superuser\|owns the tables" "$T/api.log" && fail "the daemon warned as bs_api: $(cat "$T/api.log")"
"$BS_BIN" check-config >"$T/out" 2>"$T/err" || fail "check-config: $(cat "$T/err")"
[ -s "$T/err" ] && fail "check-config warned as bs_api: $(cat "$T/err")"
"$BS_BIN" tenant create acme >/dev/null || fail "tenant create as bs_api"
KA=$("$BS_BIN" key create --tenant acme --scope write) || fail "key create as bs_api"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $KA" \
    -H 'Content-Type: application/json' -d '{"title":"x"}' "$URL/v1/tasks")
[ "$code" = 201 ] || fail "create as bs_api: $code $(cat "$T/body")"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $KA" -X PATCH \
    -H 'Content-Type: application/merge-patch+json' -d '{"status":"done"}' "$URL/v1/tasks/1")
[ "$code" = 200 ] || fail "patch as bs_api: $code $(cat "$T/body")"

# --- as the API's role, what must fail -----------------------------------------
tried=0 refused=0
refuse() {	# SQL: must fail with a permission error as bs_api
	tried=$((tried + 1))
	if psql -U bs_api -v ON_ERROR_STOP=1 -qAtc "$1" >"$T/out" 2>"$T/err"; then
		fail "bs_api could: $1"
	fi
	grep -qE "must be (the )?owner|permission denied|must be superuser|must have admin|must be able to SET ROLE" "$T/err" \
	    || fail "$1: not a permission error: $(cat "$T/err")"
	refused=$((refused + 1))
}
for t in tasks tenants api_keys idempotency_keys tenant_ids schema_migrations; do
	refuse "DROP TABLE $t"
	refuse "ALTER TABLE $t ADD COLUMN x integer"
	refuse "TRUNCATE $t"
done
refuse "ALTER TABLE tasks DISABLE TRIGGER tasks_touch"
refuse "ALTER TABLE tasks RENAME TO t2"
refuse "DROP TRIGGER tasks_next_id ON tasks"
refuse "DROP FUNCTION tenant_next_id()"
# the id counter's triggers (sql/0003, 0008) run for the API's role; it
# may not turn them off, for a table or for its session
refuse "ALTER TABLE tasks DISABLE TRIGGER tasks_ids_catch_up"
refuse "DROP TRIGGER tasks_ids_catch_up ON tasks"
refuse "CREATE OR REPLACE FUNCTION tenant_ids_catch_up() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'"
refuse "SET session_replication_role = replica"
refuse "CREATE OR REPLACE FUNCTION tasks_touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'"
refuse "CREATE INDEX ON tasks (title)"
refuse "CREATE TABLE mine (id integer)"
refuse "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'x', repeat('0', 64))"
refuse "UPDATE schema_migrations SET checksum = repeat('0', 64)"
refuse "DELETE FROM schema_migrations"
refuse "SELECT * FROM schema_migrations"
refuse "SELECT bootstack_grant_api('bs_api')"
refuse "SET ROLE $PGUSER"
refuse "CREATE ROLE other LOGIN"
refuse "ALTER ROLE bs_api BYPASSRLS"
# the ACME store (sql/0006): challenges read-only, certificates not at all
for t in acme_challenges certificates; do
	refuse "DROP TABLE $t"
	refuse "TRUNCATE $t"
done
refuse "INSERT INTO acme_challenges (token, key_authorization, cert_name) VALUES ('t', 't.x', 'www')"
refuse "UPDATE acme_challenges SET key_authorization = 'x'"
refuse "DELETE FROM acme_challenges"
refuse "SELECT * FROM certificates"
refuse "INSERT INTO certificates (name, serial, not_after, cert_pem, chain_pem, key_sealed) VALUES ('w', '1', now(), '', '', '')"
refuse "DELETE FROM certificates"
psql -U bs_api -v ON_ERROR_STOP=1 -qAtc "SELECT count(*) FROM acme_challenges" >/dev/null \
    || fail "bs_api cannot read acme_challenges (the API answers HTTP-01 from it)"
# and what it may: rows, and its sequences
psql -U bs_api -v ON_ERROR_STOP=1 -qAtc "SELECT count(*) FROM tenants" >/dev/null || fail "bs_api cannot read tenants"
psql -U bs_api -v ON_ERROR_STOP=1 -qAtc "INSERT INTO tenants (name) VALUES ('by-api') RETURNING id" >/dev/null \
    || fail "bs_api cannot insert a tenant (identity sequence)"
echo "roles: as bs_api $tried statements tried, $refused refused"

# --- the daemon as a superuser, or as the owner: warned ------------------------
api_stop
BS_API_ROLE=
write_config "$(api_config)"
: >"$T/api.log"
api_start
grep -q "\[database\] user: role $PGUSER is a superuser" "$T/api.log" || fail "no superuser warning: $(cat "$T/api.log")"
"$BS_BIN" check-config >/dev/null 2>"$T/err" || fail "check-config as superuser failed"
grep -q "warning: \[database\] user: role $PGUSER is a superuser" "$T/err" || fail "check-config: $(cat "$T/err")"
psql -qc "CREATE ROLE bs_owner LOGIN" -c "ALTER TABLE schema_migrations OWNER TO bs_owner" || fail "make bs_owner"
write_config "$(api_config)"
sed -i "s/^user = .*/user = bs_owner/" "$BS_CONF"
"$BS_BIN" check-config >/dev/null 2>"$T/err" || fail "check-config as owner failed"
grep -q "warning: \[database\] user: role bs_owner owns the tables" "$T/err" || fail "check-config as owner: $(cat "$T/err")"
pass
