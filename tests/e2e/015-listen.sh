#!/usr/bin/env bash
# 015-listen: the three ways bootstack-api takes its FastCGI socket, each
# driven by a real FastCGI client (cgi-fcgi, from libfcgi-bin): a TCP
# address on loopback, and a socket inherited on fd 0 from spawn-fcgi (as
# systemd socket activation hands it over); a TCP listener with [api] allow
# closes peers outside it at accept (logged, counted in /metrics) and a bad
# list is refused by check-config and by a reload; plus a unix path already
# in use by a live daemon is refused, not stolen.
. "$(dirname "$0")/lib.sh"

command -v cgi-fcgi >/dev/null || fail "cgi-fcgi missing (Debian: libfcgi-bin)"
command -v spawn-fcgi >/dev/null || fail "spawn-fcgi missing (Debian: spawn-fcgi)"
pg_start

# fcgi ADDRESS PATH: one GET through FastCGI; prints the CGI response.
fcgi() {
	env -i REQUEST_METHOD=GET REQUEST_URI="$2" SCRIPT_FILENAME=/x \
	    REQUEST_ID=listen-test timeout 10 cgi-fcgi -bind -connect "$1"
}

# --- TCP on loopback ---------------------------------------------------------
port=$(free_port)
write_config "$(printf '[api]\nlisten = 127.0.0.1:%s\nworkers = 2\n' "$port")"
"$BS_BIN" migrate >/dev/null 2>&1 || fail "migrate"
"$BS_API_BIN" -c "$BS_CONF" >>"$T/api.log" 2>&1 &
API_PID=$!
at_exit api_stop
wait_for 50 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null" || fail "no TCP listener"
out=$(fcgi "127.0.0.1:$port" /healthz) || fail "cgi-fcgi over TCP failed"
echo "$out" | grep -q '^Status: 200 OK' || fail "TCP: $out"
echo "$out" | grep -q '"status":"ok"' || fail "TCP body: $out"
echo "$out" | grep -q '^X-Request-ID: listen-test' || fail "TCP: request id not echoed"
out=$(fcgi "127.0.0.1:$port" /readyz)
echo "$out" | grep -q '^Status: 200 OK' || fail "TCP readyz: $out"
api_stop

# --- [api] allow: a peer outside the list is closed at accept ----------------------
# allowed: 127.0.0.1 (cgi-fcgi's source); refused: 127.0.0.2, 127.0.0.3 (bound
# by hand), each closed before a byte is read, logged and counted.
write_config "$(printf '[api]\nlisten = 127.0.0.1:%s\nworkers = 2\nallow = 192.0.2.0/24, 127.0.0.1/32 2001:db8::/32\n' "$port")"
"$BS_API_BIN" -c "$BS_CONF" >>"$T/api.log" 2>&1 &
API_PID=$!
wait_for 50 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null" || fail "no TCP listener (allow)"
python3 - "$port" >"$T/refused.out" <<'PY' || fail "refused peers: $(cat "$T/refused.out")"
import socket, sys, time
port, closed = int(sys.argv[1]), 0
for src in ("127.0.0.2", "127.0.0.3", "127.0.0.2"):
    s = socket.socket()
    s.settimeout(20)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(b"\x01\x01\x00\x01\x00\x08\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00")
    t = time.monotonic()
    try:
        data = s.recv(64)
    except ConnectionResetError:
        data = b""
    closed += data == b""
    print("%s: %s after %.2fs" % (src, "closed" if data == b"" else "answered %r" % data, time.monotonic() - t))
    s.close()
print("refused: %d of 3 closed unanswered" % closed)
sys.exit(0 if closed == 3 else 1)
PY
echo "# $(tail -n 1 "$T/refused.out")"
out=$(fcgi "127.0.0.1:$port" /healthz)
echo "$out" | grep -q '^Status: 200 OK' || fail "allowed peer refused: $out"
out=$(fcgi "127.0.0.1:$port" /metrics)
echo "$out" | grep -q '^bootstack_connections_dropped_total{reason="refused"} 3$' \
    || fail "refused not counted: $(echo "$out" | grep dropped_total)"
wait_for 50 grep -q 'connection from 127.0.0.3 refused: not in \[api\] allow' "$T/api.log" \
    || fail "refusal not logged: $(grep refused "$T/api.log" | tail -3)"
# a list with host bits set is refused by check-config and by a reload
sed -i 's|^allow = .*|allow = 127.0.0.1/8|' "$BS_CONF"
"$BS_BIN" -c "$BS_CONF" check-config >"$T/cc.out" 2>&1 && fail "check-config took 127.0.0.1/8"
grep -q "\[api\] allow: '127.0.0.1/8' has bits set beyond /8" "$T/cc.out" || fail "check-config: $(cat "$T/cc.out")"
kill -HUP "$API_PID"
wait_for 100 grep -q 'reload refused.*\[api\] allow' "$T/api.log" || fail "bad allow list reloaded"
out=$(fcgi "127.0.0.1:$port" /healthz)
echo "$out" | grep -q '^Status: 200 OK' || fail "after a refused reload: $out"
api_stop

# --- a socket inherited on fd 0 (spawn-fcgi, like socket activation) ------------
write_config "$(printf '[api]\nlisten = stdin\nworkers = 2\n')"
spawn-fcgi -n -s "$T/spawned.sock" -- "$BS_API_BIN" -c "$BS_CONF" >>"$T/api.log" 2>&1 &
API_PID=$!
wait_for 50 test -S "$T/spawned.sock" || fail "spawn-fcgi made no socket"
wait_for 50 sh -c "fcgi() { env -i REQUEST_METHOD=GET REQUEST_URI=/healthz SCRIPT_FILENAME=/x timeout 5 cgi-fcgi -bind -connect $T/spawned.sock; }; fcgi | grep -q 'Status: 200'" \
    || fail "no answer on the inherited socket: $(tail -3 "$T/api.log")"
out=$(fcgi "$T/spawned.sock" /nope)
echo "$out" | grep -q '^Status: 404 Not Found' || fail "inherited socket 404: $out"
echo "$out" | grep -q 'application/problem+json' || fail "inherited socket: no problem+json"
api_stop
# stdin that is not a socket is refused with a clear line
"$BS_API_BIN" -c "$BS_CONF" </dev/null >"$T/stdin.out" 2>&1 && fail "a non-socket fd 0 was accepted"
grep -q 'fd 0 is not a socket' "$T/stdin.out" || fail "non-socket fd 0 message: $(cat "$T/stdin.out")"

# --- a unix path held by a live daemon is not stolen -------------------------------
write_config "$(api_config)"
api_start
"$BS_API_BIN" -c "$BS_CONF" >"$T/second.out" 2>&1 && fail "a second daemon took the socket"
grep -q 'in use by another process' "$T/second.out" || fail "in-use message: $(cat "$T/second.out")"
out=$(fcgi "$T/api.sock" /healthz)
echo "$out" | grep -q '^Status: 200 OK' || fail "the first daemon lost its socket"
pass
