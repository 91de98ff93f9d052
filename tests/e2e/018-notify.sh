#!/usr/bin/env bash
# 018-notify: the sd_notify protocol of a Type=notify unit, as systemd
# would see it: a unix datagram socket in $NOTIFY_SOCKET (a receiver made
# here, SO_PASSCRED on, so each message names its sender) gets READY=1 once
# the workers started, RELOADING=1 with MONOTONIC_USEC then READY=1 of the
# new generation on SIGHUP, READY=1 with the reason after a refused
# reload, and STOPPING=1 on SIGTERM; every message from the master (what
# NotifyAccess=main accepts), each with a STATUS= line. The reloads go
# through `bootstack-api reload PID`, the unit's ExecReload=: it returns 0
# once the new generation serves (its READY=1 already sent), 1 when the
# reload was refused.
. "$(dirname "$0")/lib.sh"

pg_start
write_config "$(api_config)"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"

# The receiver: one JSON line per datagram, {"pid": sender, "msg": text}.
python3 - "$T/notify.sock" "$T/notify.log" <<'PY' &
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
s.settimeout(300)
with open(sys.argv[2], "a") as out:
	while True:
		try:
			msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
		except socket.timeout:
			break
		pid = 0
		for level, kind, data in anc:
			if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
				pid = struct.unpack("iII", data[:12])[0]
		out.write(json.dumps({"pid": pid, "msg": msg.decode()}) + "\n")
		out.flush()
PY
RECV=$!
at_exit "kill $RECV"
wait_for 100 test -S "$T/notify.sock" || fail "the receiver did not start"
: >"$T/notify.log"

# count WORD: messages holding the line WORD (READY=1, RELOADING=1, ...)
count() {
	python3 - "$T/notify.log" "$1" <<'PY'
import json, sys
print(sum(sys.argv[2] in json.loads(l)["msg"].split("\n") for l in open(sys.argv[1])))
PY
}
has() { [ "$(count "$1")" = "$2" ]; }

NOTIFY_SOCKET=$T/notify.sock api_start
wait_for 300 has READY=1 1 || fail "no READY=1 at start: $(cat "$T/notify.log")"
# READY only once both workers are up (each logs "ready" before the master can see it)
[ "$(grep -c 'worker [0-9]* ready' "$T/api.log")" -ge 2 ] || fail "READY=1 before the workers started"

"$BS_API_BIN" -c "$BS_CONF" reload "$API_PID" >"$T/reload.out" 2>&1 \
    || fail "reload: $(cat "$T/reload.out")"
grep -qx 'reloaded: generation 1' "$T/reload.out" || fail "reload: $(cat "$T/reload.out")"
# it returned once the new workers started: READY=1 was sent before (or is on its way)
wait_for 50 has READY=1 2 || fail "no READY=1 after SIGHUP: $(cat "$T/notify.log")"
has RELOADING=1 1 || fail "no RELOADING=1 on SIGHUP: $(cat "$T/notify.log")"
"$BS_API_BIN" -c "$BS_CONF" status --full | grep -q '^state: *starting' \
    && fail "reload returned while a worker was still starting"

cp "$BS_CONF" "$T/good.conf"	# the helper's own config must load
printf '[api]\nworkers = lots\n' >>"$BS_CONF"	# the daemon's: a reload of it is refused
"$BS_API_BIN" -c "$T/good.conf" reload "$API_PID" >"$T/reload.out" 2>&1 \
    && fail "a refused reload exited 0: $(cat "$T/reload.out")"
grep -q 'reload refused' "$T/reload.out" || fail "reload: $(cat "$T/reload.out")"
wait_for 300 has READY=1 3 || fail "no READY=1 after a refused reload: $(cat "$T/notify.log")"
has RELOADING=1 2 || fail "no RELOADING=1 on the second SIGHUP"

master=$API_PID
api_stop
wait_for 100 has STOPPING=1 1 || fail "no STOPPING=1 on SIGTERM: $(cat "$T/notify.log")"

python3 - "$T/notify.log" "$master" <<'PY' || fail "notifications: $(cat "$T/notify.log")"
import json, re, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
master = int(sys.argv[2])
for m in msgs:
	assert m["pid"] == master, ("sent by", m["pid"], "not the master", master)
	assert re.search(r"^STATUS=.+", m["msg"], re.M), m
kinds = []
for m in msgs:
	lines = m["msg"].split("\n")
	kinds += [l for l in lines if l in ("READY=1", "RELOADING=1", "STOPPING=1")]
	if "RELOADING=1" in lines:
		assert any(re.fullmatch(r"MONOTONIC_USEC=\d+", l) for l in lines), m
assert kinds == ["READY=1", "RELOADING=1", "READY=1", "RELOADING=1", "READY=1",
    "STOPPING=1"], kinds
ready = [m["msg"] for m in msgs if "READY=1" in m["msg"].split("\n")]
assert "generation 0" in ready[0] and "generation 1" in ready[1], ready
assert "reload refused" in ready[2], ready
print("# notify: %d messages from the master: %s" % (len(msgs), " ".join(kinds)))
PY
pass
