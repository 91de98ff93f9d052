#!/usr/bin/env bash
# 080-alert-db: `bootstack alert check` on "database down", end to end,
# through its three channels: a local webhook receiver, sendmail (a stand-in
# script) and a command.
#
# PostgreSQL stopped: the rule goes pending, fires once after its `for`
# (one message per channel, the token sent, never printed), not on every
# run; started again: one resolved message. The receiver down: the run
# exits 1 and the next one delivers what it owed, to the webhook only.
# A silence holds the firing back; expiring it releases it. Two runs at
# once: the second exits 75. `alert status` and `alert silence --list`
# show it all, and the state file never holds the token.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alert-lib.sh"

pg_start
receiver_start
fake_sendmail
fake_command
TOKEN=tok-$RANDOM-secret
( umask 077; printf '%s\n' "$TOKEN" >"$T/token" )
write_config "connect_timeout = 2

[alerts]
state_file = $T/state/alerts.json
hostname = testbox
webhook_url = http://127.0.0.1:$RPORT/hooks/T000/B000/xyzsecretpath
webhook_token_file = $T/token
sendmail = $T/sendmail
mail_to = ops@example.test, dev@example.test
mail_from = alerts@example.test
command = $T/pager --from bootstack
repeat = 3600
timeout = 5

[alert db]
kind = db_down
severity = critical
for = 2"
"$BS_BIN" check-config >/dev/null || fail "check-config: $("$BS_BIN" check-config 2>&1)"

# --- all well: nothing sent ----------------------------------------------
check
[ "$rc" = 0 ] || fail "first check exited $rc: $err"
[ "$(received)" = 0 ] || fail "a message while all is well"
[ -s "$T/state/alerts.json" ] || fail "no state file"
[ "$(stat -c %a "$T/state/alerts.json")" = 600 ] || fail "state file mode"
"$BS_BIN" alert status >"$T/status" || fail "alert status"
grep -q '^db  *db_down  *critical inactive ' "$T/status" || fail "status: $(cat "$T/status")"

# --- database down: pending, then firing once -----------------------------------
pg_stop
check
[ "$rc" = 0 ] || fail "check exited $rc: $err"
echo "$out" | grep -q '^db: pending: cannot connect to the database' || fail "not pending: $out"
[ "$(received)" = 0 ] || fail "a message while pending"
sleep 2
check
[ "$rc" = 0 ] || fail "check exited $rc: $err"
echo "$out" | grep -q '^db: firing: ' || fail "not firing after for: $out"
echo "$out" | grep -q '^webhook: sent 1 notice$' || fail "webhook not sent: $out"
[ "$(received)" = 1 ] || fail "$(received) messages, want 1"
[ "$(hook 1 'd["status"], d["host"], len(a), a[0]["name"], a[0]["kind"], a[0]["severity"], a[0]["status"], a[0]["repeat"]')" \
    = "('firing', 'testbox', 1, 'db', 'db_down', 'critical', 'firing', False)" ] \
    || fail "firing message: $(sed -n 1p "$HOOK_LOG")"
hook 1 'a[0]["summary"]' | grep -q '^cannot connect to the database: ' || fail "summary: $(hook 1 'a[0]["summary"]')"
hook 1 'd["text"]' | grep -q '^FIRING \[critical\] db (db_down): cannot connect' || fail "text: $(hook 1 'd["text"]')"
[ "$(hook 1 'rec["authorization"]')" = "Bearer $TOKEN" ] || fail "token not sent"
[ "$(hook 1 'rec["content_type"]')" = application/json ] || fail "content type"
[ "$(hook 1 'rec["path"]')" = /hooks/T000/B000/xyzsecretpath ] || fail "path"
# mail: one message, RFC 5322 headers, the recipients as arguments
[ "$(grep -c '^--END--$' "$T/mail.log")" = 1 ] || fail "mails: $(cat "$T/mail.log")"
grep -q '^ARGS: -i -- ops@example.test dev@example.test$' "$T/mail.log" || fail "sendmail args: $(head -1 "$T/mail.log")"
grep -q '^Subject: \[FIRING:1\] bootstack on testbox: db$' "$T/mail.log" || fail "mail subject"
grep -q '^To: ops@example.test, dev@example.test$' "$T/mail.log" || fail "mail To"
grep -q '^From: alerts@example.test$' "$T/mail.log" || fail "mail From"
grep -q '^Date: ' "$T/mail.log" && grep -q '^Message-ID: <' "$T/mail.log" || fail "mail Date/Message-ID"
# command: the same JSON on stdin, its arguments
[ "$(grep -c '^ARGS: --from bootstack$' "$T/command.log")" = 1 ] || fail "command: $(cat "$T/command.log")"
sed -n 2p "$T/command.log" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["alerts"][0]["name"] == "db", d' \
    || fail "command JSON: $(sed -n 2p "$T/command.log")"

# firing goes on: no message at every run
for i in 1 2 3; do
	check
	[ "$rc" = 0 ] || fail "check exited $rc: $err"
done
[ "$(received)" = 1 ] || fail "repeated while firing: $(received) messages"
"$BS_BIN" alert status >"$T/status" || fail "alert status"
grep -q '^db  *db_down  *critical firing ' "$T/status" || fail "status while firing: $(cat "$T/status")"

# --- back up: one resolved message -------------------------------------------------
pg_resume
check
[ "$rc" = 0 ] || fail "check exited $rc: $err"
echo "$out" | grep -q '^db: resolved: the database accepts connections' || fail "not resolved: $out"
[ "$(received)" = 2 ] || fail "$(received) messages after the resolve, want 2"
[ "$(hook 2 'd["status"], a[0]["status"], a[0]["name"]')" = "('resolved', 'resolved', 'db')" ] \
    || fail "resolved message: $(sed -n 2p "$HOOK_LOG")"
grep -q '^Subject: \[RESOLVED\] bootstack on testbox: db$' "$T/mail.log" || fail "resolved mail"
check
[ "$(received)" = 2 ] || fail "resolved twice"

# --- the receiver is down: retried, exit 1; mail and command not resent ------------
receiver_stop
pg_stop
check
sleep 2
check
[ "$rc" = 1 ] || fail "a failed webhook exited $rc"
echo "$err" | grep -q '^bootstack alert: webhook: POST http://127.0.0.1:'"$RPORT"'/\.\.\.: .*retried by the next run$' \
    || fail "webhook failure line: $err"
[ "$(grep -c '^--END--$' "$T/mail.log")" = 3 ] || fail "mail not sent while the webhook failed"
check
[ "$rc" = 1 ] || fail "a still failing webhook exited $rc"
receiver_start "$RPORT"
check
[ "$rc" = 0 ] || fail "check after the receiver came back exited $rc: $err"
[ "$(received)" = 3 ] || fail "the owed notice was not delivered: $(received)"
[ "$(hook 3 'a[0]["name"], a[0]["status"]')" = "('db', 'firing')" ] || fail "retried message"
[ "$(grep -c '^--END--$' "$T/mail.log")" = 3 ] || fail "mail sent twice"
[ "$(grep -c '^ARGS:' "$T/command.log")" = 3 ] || fail "command run twice"
# a receiver answering 500 counts as down too
pg_resume
touch "$HOOK_LOG.fail"
check
[ "$rc" = 1 ] || fail "HTTP 500 exited $rc"
echo "$err" | grep -q 'HTTP 500' || fail "500 not reported: $err"
rm -f "$HOOK_LOG.fail"
check
[ "$rc" = 0 ] && [ "$(received)" = 4 ] && [ "$(hook 4 'a[0]["status"]')" = resolved ] \
    || fail "resolve after a 500: rc $rc, $(received) messages"

# --- a silence holds it back; expiring it releases it --------------------------------
"$BS_BIN" alert silence db --for 2h --comment "planned maintenance" >"$T/sil" \
    || fail "silence: $(cat "$T/sil")"
grep -q '^db: silenced until 20' "$T/sil" || fail "silence said: $(cat "$T/sil")"
"$BS_BIN" alert silence nope --for 1h 2>"$T/err" && fail "silenced an unknown rule"
grep -q "no rule 'nope'" "$T/err" || fail "unknown rule: $(cat "$T/err")"
"$BS_BIN" alert silence db --for 5x 2>/dev/null; [ $? = 2 ] || fail "bad duration accepted"
"$BS_BIN" alert silence --list >"$T/sil" || fail "silence --list"
grep -q '^db  *20.*planned maintenance$' "$T/sil" || fail "list: $(cat "$T/sil")"
pg_stop
check
sleep 2
check
[ "$rc" = 0 ] || fail "check exited $rc: $err"
echo "$out" | grep -q '^db: firing' || fail "not firing under the silence: $out"
[ "$(received)" = 4 ] || fail "a silenced alert was sent"
"$BS_BIN" alert status >"$T/status"
grep -q '^db  *db_down  *critical firing  *20[-0-9T:Z]*  *20' "$T/status" || fail "status under silence: $(cat "$T/status")"
"$BS_BIN" alert silence db --expire >"$T/sil" || fail "expire"
grep -q '^db: silence expired$' "$T/sil" || fail "expire said: $(cat "$T/sil")"
"$BS_BIN" alert silence >"$T/sil"
grep -q '^no silences$' "$T/sil" || fail "silences left: $(cat "$T/sil")"
check
[ "$(received)" = 5 ] && [ "$(hook 5 'a[0]["status"]')" = firing ] || fail "not released after the silence"

# --- two runs at once; the token never shows ---------------------------------------
exec 9>"$T/state/alerts.json.lock"
flock 9
check
[ "$rc" = 75 ] && echo "$err" | grep -q 'locked by another run' || fail "concurrent run: rc $rc: $err"
exec 9>&-
! grep -rq "$TOKEN" "$T/state" "$T/checks.log" || fail "the token leaked"
"$BS_BIN" check-config --dump | grep -q 'webhook_token = (secret)' || fail "token not hidden in --dump"
"$BS_BIN" alert test >"$T/test.out" 2>&1 || fail "alert test: $(cat "$T/test.out")"
[ "$(received)" = 6 ] && [ "$(hook 6 'a[0]["name"]')" = test ] || fail "alert test did not reach the webhook"
pass
