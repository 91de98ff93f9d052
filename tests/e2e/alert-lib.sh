# tests/e2e/alert-lib.sh: helpers of the `bootstack alert` scripts (08N-*),
# sourced after lib.sh.
#
# receiver_start [PORT]  starts tests/e2e/webhook-receiver.py on 127.0.0.1
#                        (PORT, or a free one); sets RPORT, HOOK_LOG
# receiver_stop          stops it (connections are then refused)
# received               how many POSTs it logged
# hook N EXPR            evaluates the Python EXPR over the N-th POST (1 = the
#                        first; d = the JSON document, a = its "alerts")
# check                  runs `bootstack alert check`; sets rc, out, err
# fake_sendmail, fake_command  write test programs standing in for
#                        sendmail and a pager command; they log into
#                        $T/mail.log and $T/command.log

HOOK_LOG=$T/hook.log
: >"$HOOK_LOG"

receiver_start() {
	rm -f "$T/hook.port"
	python3 "$BS_TOP_SRCDIR/tests/e2e/webhook-receiver.py" "$T/hook.port" \
	    "$HOOK_LOG" ${1:-} >>"$T/receiver.log" 2>&1 &
	RECEIVER_PID=$!
	wait_for 50 test -s "$T/hook.port" || fail "the webhook receiver did not start"
	RPORT=$(cat "$T/hook.port")
}

receiver_stop() {
	[ -n "${RECEIVER_PID:-}" ] || return 0
	kill "$RECEIVER_PID" 2>/dev/null
	wait "$RECEIVER_PID" 2>/dev/null
	RECEIVER_PID=
}
at_exit receiver_stop

received() { grep -c . "$HOOK_LOG"; }

hook() {
	python3 - "$HOOK_LOG" "$1" "$2" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
rec = json.loads(lines[int(sys.argv[2]) - 1])
d = rec["body"]
a = d["alerts"]
print(eval(sys.argv[3]))
PY
}

check() {
	"$BS_BIN" alert check >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	cat "$T/out" "$T/err" >>"$T/checks.log"
}

fake_sendmail() {
	cat >"$T/sendmail" <<SH
#!/bin/sh
# stands in for sendmail: logs its arguments, then the message
{ echo "ARGS: \$*"; cat; echo "--END--"; } >>"$T/mail.log"
SH
	chmod 755 "$T/sendmail"
}

fake_command() {
	cat >"$T/pager" <<SH
#!/bin/sh
# stands in for a pager: logs its arguments and the JSON on stdin
{ echo "ARGS: \$*"; cat; echo; } >>"$T/command.log"
SH
	chmod 755 "$T/pager"
}
