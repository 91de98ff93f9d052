#!/usr/bin/env python3
"""fcgi-client.py: a FastCGI client that misbehaves on purpose, for the
end-to-end tests of bootstack-api (011-hostile.sh) and bench/idle.

    fcgi-client.py ADDR idle N SECONDS [--until FILE]
        opens N connections that send nothing; waits up to SECONDS for the
        server to close each; prints one "closed AFTER" or "open" line per
        connection, then "idle: N opened, C closed, min X max Y". With
        --until, keeps N idle connections open (reopening) until FILE
        exists before it prints.
    fcgi-client.py ADDR hold N SECONDS
        keeps N idle connections open for SECONDS, reopening each one the
        server closes; prints "hold: ..." with the counts.
    fcgi-client.py ADDR request CASE [METHOD URI [BODY]] [-H NAME=VALUE]...
        sends one request shaped by CASE and prints what came back:
        "status NNN" (the CGI Status line) or "closed" (no answer),
        "end_request yes|no", the body after "body ".
        A VALUE of @now+MS or @now-MS is the time of sending plus MS
        milliseconds, as nginx's $msec writes it (REQUEST_START).
        CASE: ok, abort-mid-body, short-body, content-length=VALUE,
        params-error, huge-param, keep-conn, role-filter, get-values,
        stdin-first, slow-body=SECONDS, and with FCGI_KEEP_CONN:
          keep-conn     the request, then a second on the same connection
                        ("second status NNN"), then waits up to 30 s for
                        the server to close it ("kept closed after S" or
                        "kept open")
          keep-idle=S   the request, S seconds idle, then only the
                        FCGI_BEGIN_REQUEST of a second: "partial closed
                        after S" (from then)
          keep-pipelined  two requests sent at once, before any answer:
                        "answers N" (how many came), then closed or not
    fcgi-client.py ADDR load CLIENTS MAX_REQUESTS MAX_SECONDS URI [--until FILE]
            [--started FILE]
        CLIENTS threads send complete GET requests for URI, one per
        connection, until MAX_REQUESTS in all, MAX_SECONDS or FILE exists
        (--started: a file made once 20 answers came, to wait on);
        prints "load: N requests, status 200=A ..., refused R, reset X":
        refused counts connections the socket did not take (no such path,
        ECONNREFUSED: a clean refusal), reset those that ended without a
        whole answer after the request was sent.

ADDR is a unix socket path or HOST:PORT.
"""
import socket
import struct
import sys
import time


def connect(addr):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)))
    return s


def record(rtype, rid, content=b""):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, rtype, rid, len(content), pad, 0) + content + b"\0" * pad


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def pair(name, value):
    return length(len(name)) + length(len(value)) + name + value


def begin(rid=1, role=1, flags=0):
    return record(1, rid, struct.pack(">HB5x", role, flags))


def params(env, rid=1):
    data = b"".join(pair(k.encode(), v.encode()) for k, v in env.items())
    out = b""
    for i in range(0, len(data), 65535):
        out += record(4, rid, data[i:i + 65535])
    return out + record(4, rid)


def read_answer(s, timeout=15):
    """Reads records to EOF; returns (stdout bytes, end_request seen, types)."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    out, end, types, off = b"", False, [], 0
    while off + 8 <= len(data):
        _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", data[off:off + 8])
        content = data[off + 8:off + 8 + clen]
        types.append(rtype)
        if rtype == 6:
            out += content
        elif rtype == 3:
            end = True
        off += 8 + clen + plen
    return out, end, types


def read_one(s, timeout=15):
    """Reads records up to the first FCGI_END_REQUEST (or EOF); returns
    (stdout bytes, end_request seen, closed: EOF came first)."""
    s.settimeout(timeout)
    data, off, out = b"", 0, b""
    while True:
        while off + 8 <= len(data):
            _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", data[off:off + 8])
            if off + 8 + clen + plen > len(data):
                break
            if rtype == 6:
                out += data[off + 8:off + 8 + clen]
            off += 8 + clen + plen
            if rtype == 3:
                return out, True, False
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            chunk = b""
        if not chunk:
            return out, False, True
        data += chunk


def status_of(out):
    head = out.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            return line.split()[1].decode()
    return None


def closed_after(s, seconds):
    """Seconds until the server closes s (None: still open after seconds)."""
    t0 = time.monotonic()
    s.settimeout(seconds)
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return None
    except OSError:
        pass
    return time.monotonic() - t0


def keep(addr, case, env):
    """The keep-alive cases (FCGI_KEEP_CONN set); see the usage."""
    s = connect(addr)
    req = begin(flags=1) + params(env) + record(5, 1)
    if case == "keep-pipelined":
        s.sendall(req + req)
        n = 0
        while True:
            out, end, closed = read_one(s, timeout=5)
            if end:
                n += 1
                print("status %s" % status_of(out))
            if closed or not end:
                break
        print("answers %d" % n)
        print("closed" if closed else "open")
        s.close()
        return
    s.sendall(req)
    out, end, _ = read_one(s)
    print("status %s" % status_of(out) if end else "closed")
    if not end:
        return
    if case == "keep-conn":
        try:
            s.sendall(req)
        except OSError:
            pass
        out, end, _ = read_one(s)
        print("second status %s" % status_of(out) if end else "second closed")
        t = closed_after(s, 30)
        print("kept closed after %.2f" % t if t is not None else "kept open")
    else:
        time.sleep(float(case.split("=", 1)[1]))
        try:
            s.sendall(begin(flags=1))
        except OSError:
            print("partial refused")
            return
        t = closed_after(s, 30)
        print("partial closed after %.2f" % t if t is not None else "partial open")
    s.close()


def idle(addr, n, seconds, until=None):
    """Opens n idle connections and notes when the server closes each; with
    until (a file name), then keeps n open (reopening) until it exists."""
    conns = [connect(addr) for _ in range(n)]
    t0 = time.monotonic()
    closed = [None] * n
    for c in conns:
        c.setblocking(False)
    while time.monotonic() - t0 < seconds and None in closed:
        for i, c in enumerate(conns):
            if closed[i] is not None:
                continue
            try:
                if c.recv(1) == b"":
                    closed[i] = time.monotonic() - t0
            except BlockingIOError:
                pass
            except OSError:
                closed[i] = time.monotonic() - t0
        time.sleep(0.02)
    if until is not None:
        hold(addr, n, 600, until=until, quiet=True)
    for i, t in enumerate(closed):
        print("closed %.2f" % t if t is not None else "open")
    got = [t for t in closed if t is not None]
    print("idle: %d opened, %d closed, min %.2f max %.2f" % (
        n, len(got), min(got) if got else -1, max(got) if got else -1))
    for c in conns:
        c.close()


def hold(addr, n, seconds, until=None, quiet=False):
    """Keeps n idle connections open for seconds (or until the file until
    exists), reopening each one the server closes, as an attacker would."""
    import os
    import selectors
    sel = selectors.DefaultSelector()
    reopened = failed = 0

    def one():
        nonlocal failed
        try:
            c = connect(addr)
        except OSError:
            failed += 1
            return
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)

    for _ in range(n):
        one()
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and os.path.exists(until)):
        for key, _ in sel.select(timeout=0.1):
            c = key.fileobj
            try:
                data = c.recv(1)
            except OSError:
                data = b""
            if data == b"":
                sel.unregister(c)
                c.close()
                reopened += 1
                one()
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    if not quiet:
        print("hold: %d held for %.0f s, %d closed by the server and "
              "reopened, %d connects failed" % (n, seconds, reopened, failed))


def request(addr, case, method="GET", uri="/healthz", body="", headers=()):
    env = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": uri,
           "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
           "REQUEST_ID": "hostile-" + case.split("=")[0]}
    for h in headers:
        k, v = h.split("=", 1)
        if v.startswith("@now"):	# nginx's $msec, now + OFFSET ms
            v = "%.3f" % (time.time() + int(v[4:] or 0) / 1000)
        env[k] = v
    b = body.encode()
    if b or method in ("POST", "PATCH", "PUT"):
        env["CONTENT_LENGTH"] = str(len(b))
        env.setdefault("CONTENT_TYPE", "application/json")
    if case.startswith("keep-"):
        keep(addr, case, env)
        return
    s = connect(addr)
    if case == "ok":
        s.sendall(begin() + params(env) + (record(5, 1, b) if b else b"") + record(5, 1))
    elif case == "abort-mid-body":
        env["CONTENT_LENGTH"] = str(len(b) * 2)
        s.sendall(begin() + params(env) + record(5, 1, b))
        time.sleep(0.2)
        s.sendall(record(2, 1))
    elif case == "short-body":
        env["CONTENT_LENGTH"] = str(len(b) + 74)
        s.sendall(begin() + params(env) + record(5, 1, b) + record(5, 1))
    elif case.startswith("content-length="):
        env["CONTENT_LENGTH"] = case.split("=", 1)[1]
        s.sendall(begin() + params(env) + (record(5, 1, b) if b else b"") + record(5, 1))
    elif case == "params-error":
        # a pair whose value length runs past the end of the parameters
        bad = pair(b"REQUEST_METHOD", b"POST") + length(11) + length(200) + b"REQUEST_URI/v1/tasks"
        s.sendall(begin() + record(4, 1, bad) + record(4, 1) + record(5, 1, b) + record(5, 1))
    elif case == "huge-param":
        # one parameter announced at 64 MiB, sent 64 KiB at a time
        s.sendall(begin() + record(4, 1, length(4) + length(64 << 20) + b"HUGE"))
        try:
            for _ in range(1024):
                s.sendall(record(4, 1, b"x" * 65528))
        except (BrokenPipeError, ConnectionResetError):
            pass
    elif case == "role-filter":
        s.sendall(begin(role=3) + params(env) + record(5, 1))
    elif case == "get-values":
        s.sendall(record(9, 0, pair(b"FCGI_MPXS_CONNS", b"") + pair(b"FCGI_MAX_CONNS", b"")))
        out, end, types = read_answer(s, timeout=1)
        print("types " + ",".join(str(t) for t in types))
        s.sendall(begin() + params(env) + record(5, 1))
    elif case == "stdin-first":
        s.sendall(begin() + record(5, 1, b"x") + params(env) + record(5, 1))
    elif case.startswith("slow-body="):
        s.sendall(begin() + params(env))
        time.sleep(float(case.split("=", 1)[1]))
        try:
            s.sendall(record(5, 1, b) + record(5, 1))
        except (BrokenPipeError, ConnectionResetError):
            pass
    else:
        sys.exit("unknown case " + case)
    out, end, types = read_answer(s)
    s.close()
    head, _, rest = out.partition(b"\r\n\r\n")
    status = None
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            status = line.split()[1].decode()
    print("status " + status if status else "closed")
    print("end_request " + ("yes" if end else "no"))
    print("body " + rest.decode(errors="replace"))


def load(addr, clients, max_requests, seconds, uri, until=None, started=None):
    """Many clients, each one request per connection, as nginx sends them."""
    import os
    import threading
    env = {"REQUEST_METHOD": "GET", "REQUEST_URI": uri, "SCRIPT_NAME": uri,
           "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1"}
    request_bytes = begin() + params(env) + record(5, 1)
    lock = threading.Lock()
    counts = {}
    state = {"sent": 0}
    t0 = time.monotonic()

    def count(what):
        with lock:
            counts[what] = counts.get(what, 0) + 1
            if started and what == "status 200" and counts[what] == 20:
                open(started, "w").close()

    def client():
        while True:
            with lock:
                if state["sent"] >= max_requests:
                    return
                state["sent"] += 1
            if time.monotonic() - t0 >= seconds or (until and os.path.exists(until)):
                return
            try:
                s = connect(addr)
            except (FileNotFoundError, ConnectionRefusedError):
                count("refused")
                time.sleep(0.01)
                continue
            try:
                s.sendall(request_bytes)
                s.settimeout(15)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                data = None
            finally:
                s.close()
            status = None
            if data is not None and len(data) >= 16 and data[-16:-15] == b"\x01" \
                    and data[-15] == 3:
                m = data.find(b"Status: ")
                status = data[m + 8:m + 11].decode() if m >= 0 else "200"
            count("status " + status if status else "reset")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = " ".join("%s=%d" % (k[7:], v) for k, v in sorted(counts.items())
                        if k.startswith("status "))
    print("load: %d requests, status %s, refused %d, reset %d" % (
        sum(counts.values()), statuses or "none", counts.get("refused", 0),
        counts.get("reset", 0)))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    addr, cmd = sys.argv[1], sys.argv[2]
    if cmd == "idle":
        idle(addr, int(sys.argv[3]), float(sys.argv[4]),
             sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--until" else None)
    elif cmd == "hold":
        hold(addr, int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "load":
        a = sys.argv[3:]
        until = a[a.index("--until") + 1] if "--until" in a else None
        started = a[a.index("--started") + 1] if "--started" in a else None
        load(addr, int(a[0]), int(a[1]), float(a[2]), a[3], until, started)
    elif cmd == "request":
        args, headers = [], []
        it = iter(sys.argv[3:])
        for a in it:
            if a == "-H":
                headers.append(next(it))
            else:
                args.append(a)
        request(addr, *args, headers=headers)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
