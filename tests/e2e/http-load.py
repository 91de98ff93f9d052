#!/usr/bin/env python3
"""http-load.py: a bounded HTTP load loop for the end-to-end scripts.

    http-load.py URL CLIENTS MAX_REQUESTS MAX_SECONDS PATH...
        [--until FILE] [--timeout SECONDS] [--pace SECONDS]
        [--header "NAME: VALUE"]... [--log FILE] [--method M --data BODY]

CLIENTS threads send GET requests for the PATHs in turn, each on a new
connection (as curl in a shell loop does), until MAX_REQUESTS have been
sent in all, MAX_SECONDS have passed or FILE exists, whichever comes
first: the loop is bounded by count and by time, and asserts nothing
about throughput (that belongs in bench/). --pace sleeps between two
requests of one client; --timeout bounds one request (default 10 s).
--method and --data send another method (POST, PATCH) with that body.

With --log, one line per request as it ends (so a script can wait for the
loop to be running): "START END STATUS PATH", START and END
in seconds since the epoch (so a script can compare them with `date
+%s.%N`), STATUS the HTTP status or one of timeout (no answer in time),
reset (the connection was reset or closed before an answer), refused,
error. At the end it prints one line:

    load: N requests in S s, 200=A 503=B ..., max T s
"""
import http.client
import os
import sys
import threading
import time
import urllib.parse


def one(host, port, path, headers, timeout, method="GET", body=None):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        return str(r.status)
    except TimeoutError:
        return "timeout"
    except (ConnectionResetError, BrokenPipeError,
            http.client.RemoteDisconnected):
        return "reset"
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return "timeout" if "timed out" in str(e) else "error"
    finally:
        conn.close()


def main():
    args = sys.argv[1:]
    opts = {"until": None, "timeout": 10.0, "pace": 0.0, "log": None,
            "method": "GET", "data": None}
    headers = {"Connection": "close"}
    pos = []
    it = iter(args)
    for a in it:
        if a == "--header":
            name, value = next(it).split(":", 1)
            headers[name.strip()] = value.strip()
        elif a in ("--until", "--log", "--method", "--data"):
            opts[a[2:]] = next(it)
        elif a in ("--timeout", "--pace"):
            opts[a[2:]] = float(next(it))
        else:
            pos.append(a)
    if len(pos) < 5:
        sys.exit(__doc__)
    url = urllib.parse.urlsplit(pos[0])
    clients, max_requests, max_seconds = int(pos[1]), int(pos[2]), float(pos[3])
    paths = pos[4:]
    lock = threading.Lock()
    state = {"sent": 0}
    lines = []
    log = open(opts["log"], "w", buffering=1) if opts["log"] else None
    t0 = time.time()

    def client(k):
        i = k
        while True:
            with lock:
                if state["sent"] >= max_requests:
                    return
                state["sent"] += 1
            if time.time() - t0 >= max_seconds:
                return
            if opts["until"] and os.path.exists(opts["until"]):
                return
            path = paths[i % len(paths)]
            i += 1
            start = time.time()
            status = one(url.hostname, url.port, path, headers, opts["timeout"],
                         opts["method"], opts["data"])
            end = time.time()
            with lock:
                lines.append((start, end, status, path))
                if log:
                    log.write("%.3f %.3f %s %s\n" % (start, end, status, path))
            if opts["pace"]:
                time.sleep(opts["pace"])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if log:
        log.close()
    counts = {}
    for _, _, status, _ in lines:
        counts[status] = counts.get(status, 0) + 1
    longest = max((end - start for start, end, _, _ in lines), default=0.0)
    print("load: %d requests in %.1f s, %s, max %.2f s" % (
        len(lines), time.time() - t0,
        " ".join("%s=%d" % kv for kv in sorted(counts.items())) or "none",
        longest))


if __name__ == "__main__":
    main()
