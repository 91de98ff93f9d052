#!/usr/bin/env python3
"""write-loop.py: a bounded loop of task writes for the failover tests.

    write-loop.py URL KEY MAX_REQUESTS MAX_SECONDS LOG [--until FILE]
        [--timeout SECONDS] [--pace SECONDS]

One client POSTs /v1/tasks with a fresh title ("w-N") each time, one
request after the other, until MAX_REQUESTS were sent, MAX_SECONDS passed
or FILE exists: bounded by count and by time. LOG gets one line per
request as it ends, "END STATUS TITLE START" (END and START in seconds
since the epoch; STATUS the HTTP status, or timeout / reset / refused /
error), so a
script can count the writes that were acknowledged (201) and look for
each of them in the database afterwards. At the end it prints

    writes: N sent in S s, 201=A 503=B ...
"""
import http.client
import json
import os
import sys
import time
import urllib.parse


def one(host, port, key, title, timeout):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", "/v1/tasks", body=json.dumps({"title": title}),
                     headers={"Authorization": "Bearer " + key,
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return str(r.status)
    except TimeoutError:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
    except (ConnectionResetError, http.client.RemoteDisconnected,
            BrokenPipeError):
        return "reset"
    except OSError:
        return "error"
    finally:
        conn.close()


def main(argv):
    args, until, timeout, pace = [], None, 10.0, 0.02
    i = 1
    while i < len(argv):
        if argv[i] in ("--until", "--timeout", "--pace") and i + 1 < len(argv):
            if argv[i] == "--until":
                until = argv[i + 1]
            elif argv[i] == "--timeout":
                timeout = float(argv[i + 1])
            else:
                pace = float(argv[i + 1])
            i += 2
            continue
        args.append(argv[i])
        i += 1
    if len(args) != 5:
        sys.exit(__doc__)
    url, key, maxn, maxs, logpath = args
    u = urllib.parse.urlsplit(url)
    start = time.monotonic()
    counts = {}
    n = 0
    with open(logpath, "a", buffering=1) as log:
        while n < int(maxn) and time.monotonic() - start < float(maxs):
            if until is not None and os.path.exists(until):
                break
            n += 1
            title = "w-%d" % n
            t0 = time.time()
            st = one(u.hostname, u.port or 80, key, title, timeout)
            counts[st] = counts.get(st, 0) + 1
            log.write("%.3f %s %s %.3f\n" % (time.time(), st, title, t0))
            if st != "201":
                time.sleep(pace * 5)
            elif pace > 0:
                time.sleep(pace)
    print("writes: %d sent in %.1f s, %s" % (
        n, time.monotonic() - start,
        " ".join("%s=%d" % kv for kv in sorted(counts.items()))))


if __name__ == "__main__":
    main(sys.argv)
