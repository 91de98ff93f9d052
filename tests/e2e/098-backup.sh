#!/usr/bin/env bash
# 098-backup: `bootstack backup` then `bootstack restore` on an emptied box,
# against the real PostgreSQL. A tenant, two API keys (one revoked) and
# tasks; an ACME account key and certificate; a DNS snapshot; the alert
# state; a secret file in the configuration folder. The archive is one
# file, mode 0600, holding each part. Then the database is dropped and
# made again empty, and the configuration folder and every state folder
# are deleted; restore puts them back: the same key authenticates (the
# revoked one still does not), the same tasks are served, the same
# account key is in place with its mode, the secret file too, and the
# migrations are checked. A second restore into the now full database is
# refused, and so is a backup whose database has a migration this install
# does not know. The API runs as its own role (BS_API_ROLE): backup and
# restore log in as the owner, which reads schema_migrations and is not
# held by row-level security. Every path is under the test's folder.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

pg_start
BS_API_ROLE=bs_api
mkdir -p "$T/etc"
BS_CONF=$T/etc/bootstack.conf
export BOOTSTACK_CONF=$BS_CONF
printf 'not-used-with-trust\n' >"$T/etc/db.password"
chmod 600 "$T/etc/db.password"
API_LOG_LEVEL=info
write_config "password_file = $T/etc/db.password
$(api_config)
[acme]
state_dir = $T/acme
[dns]
snapshot_dir = $T/dns
[alerts]
state_file = $T/alerts.json
[backup]
dir = $T/backups"
cp -r "$BS_SQLDIR" "$T/sql"
sed -i "s|^migrations_dir = .*|migrations_dir = $T/sql|" "$BS_CONF"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate: $(cat "$T/migrate.log")"
api_start
nginx_start

"$BS_BIN" tenant create acme >/dev/null || fail "tenant create"
KEY=$("$BS_BIN" key create --tenant acme --scope write --name ci) || fail "key create"
OLD=$("$BS_BIN" key create --tenant acme --scope read) || fail "key create 2"
"$BS_BIN" key revoke "$("$BS_BIN" key list | awk 'NR > 1 && $0 !~ / ci / { print $1; exit }')" >/dev/null \
    || fail "key revoke"
api() {	# api METHOD PATH KEY [curl args]: the status; the body in $T/body
	local m=$1 p=$2 k=$3
	shift 3
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $k" "$@" "$URL$p"
}
for i in 1 2 3; do
	[ "$(api POST /v1/tasks "$KEY" -H 'Content-Type: application/json' -d "{\"title\":\"task $i\"}")" = 201 ] \
	    || fail "POST task $i: $(cat "$T/body")"
done
tasks() { python3 -c "import json; print(' '.join(str(t['id']) + ':' + t['title'] for t in json.load(open('$T/body'))['items']))"; }
[ "$(api GET /v1/tasks "$KEY")" = 200 ] || fail "GET tasks"
BEFORE=$(tasks)
[ "$(api GET /v1/tasks "$OLD")" = 401 ] || fail "the revoked key works before the backup"

# the state beside the database
mkdir -p "$T/acme/live/site" "$T/dns"
chmod 700 "$T/acme" "$T/dns"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/acme/account.key" 2>/dev/null \
    || fail "openssl genpkey"
chmod 600 "$T/acme/account.key"
echo "certificate" >"$T/acme/live/site/fullchain.pem"
echo '{"result": "renewed"}' >"$T/acme/site.status.json"
echo '{"zone": "example.com", "records": []}' >"$T/dns/example.com-20261201T000000Z.json"
echo '{"version": 1, "alerts": {}}' >"$T/alerts.json"
sums() {
	(cd "$T" && sha256sum acme/account.key acme/live/site/fullchain.pem acme/site.status.json \
	    dns/example.com-20261201T000000Z.json alerts.json etc/bootstack.conf etc/db.password) 2>&1
	stat -c '%a %n' "$T/acme/account.key" "$T/etc/db.password"
}
sums >"$T/sums.before"

# --- backup ------------------------------------------------------------------
A=$("$BS_BIN" backup 2>"$T/backup.err") || fail "backup: $(cat "$T/backup.err")"
case "$A" in "$T"/backups/bootstack-backup-*Z.tar.gz) ;; *) fail "backup printed '$A'";; esac
[ "$(stat -c %a "$A")" = 600 ] || fail "archive mode $(stat -c %a "$A")"
[ "$(stat -c %a "$T/backups")" = 700 ] || fail "backup folder mode $(stat -c %a "$T/backups")"
tar -tzf "$A" >"$T/list" || fail "not a tar.gz"
for m in MANIFEST database.dump "${T#/}/etc/db.password" "${T#/}/acme/account.key" \
    "${T#/}/dns/example.com-20261201T000000Z.json" "${T#/}/alerts.json"; do
	grep -qx "$m" "$T/list" || fail "$m not in the archive: $(cat "$T/list")"
done
ls -A "$T/backups" | grep -v '^bootstack-backup-' && fail "backup left files behind"
A2=$("$BS_BIN" backup --to "$T/elsewhere") || fail "backup --to"
[ "$(dirname "$A2")" = "$T/elsewhere" ] || fail "backup --to wrote $A2"
echo "# archive: $(wc -l <"$T/list") members, $(stat -c %s "$A") bytes"

# --- an empty box --------------------------------------------------------------
api_stop
_pg_as "$PG_BINDIR/dropdb" -h "$PGHOST" -p "$PGPORT" bootstack || fail "dropdb"
_pg_as "$PG_BINDIR/createdb" -h "$PGHOST" -p "$PGPORT" bootstack || fail "createdb"
rm -rf "$T/etc" "$T/acme" "$T/dns" "$T/alerts.json"

# --- restore ---------------------------------------------------------------------
"$BS_BIN" restore "$A" >"$T/restore.out" 2>"$T/restore.err" || fail "restore: $(cat "$T/restore.err")"
grep -q "^restore: database: restored into bootstack$" "$T/restore.out" || fail "restore: $(cat "$T/restore.out")"
grep -q "^restore: migrations: [0-9]* applied, as installed$" "$T/restore.out" || fail "restore: $(cat "$T/restore.out")"
sums | cmp -s - "$T/sums.before" || fail "files differ after restore: $(sums | diff "$T/sums.before" -)"
ls -A "$T/backups" | grep -v '^bootstack-backup-' && fail "restore left files behind"

api_start
[ "$(api GET /v1/tasks "$KEY")" = 200 ] || fail "the key does not authenticate after the restore: $(cat "$T/body")"
AFTER=$(tasks)
[ "$AFTER" = "$BEFORE" ] || fail "tasks after restore: '$AFTER', before: '$BEFORE'"
[ "$(api GET /v1/tasks "$OLD")" = 401 ] || fail "the revoked key works after the restore"
"$BS_BIN" migrate status | grep -q pending && fail "pending migrations after restore"
ntasks=$(echo "$AFTER" | grep -o ':task' | wc -l)
echo "# restored: $ntasks of 3 tasks, the key, the revoked key still refused, $(wc -l <"$T/sums.before") files identical"

# --- not into a database that holds data -------------------------------------------
"$BS_BIN" restore "$A" >/dev/null 2>"$T/again.err" && fail "restore into a full database succeeded"
grep -q "the database is not empty" "$T/again.err" || fail "second restore: $(cat "$T/again.err")"
[ -f "$T/etc/bootstack.conf.pre-restore" ] || fail "the replaced config was not kept as .pre-restore"
[ "$(api GET /v1/tasks "$KEY")" = 200 ] || fail "the API broke after a refused restore"

# --- a backup with a migration this install does not have ------------------------
api_stop
_pg_as "$PG_BINDIR/dropdb" -h "$PGHOST" -p "$PGPORT" bootstack || fail "dropdb"
_pg_as "$PG_BINDIR/createdb" -h "$PGHOST" -p "$PGPORT" bootstack || fail "createdb"
last=$(ls "$T/sql" | grep -E '^[0-9]{4}_.*\.sql$' | tail -1)
rm "$T/sql/$last"
"$BS_BIN" restore "$A" >/dev/null 2>"$T/newer.err" && fail "restore of a newer release's backup succeeded"
grep -q "migration ${last%%_*} ($last) is missing-file here: install the release that made the backup" \
    "$T/newer.err" || fail "newer backup: $(cat "$T/newer.err")"
pass
