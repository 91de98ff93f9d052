#!/usr/bin/env python3
"""report-gen.py: known access-log and API-log content for the /ops/
overview, and the check of what `bootstack report` made of it.

    report-gen.py gen DIR ROUND NOW   append round 1 or 2 to DIR/access.log
                                      and DIR/api.log, record it in DIR/lines.json
    report-gen.py conf DIR STATE OPS  print the bootstack.conf sections
                                      ([site] [api] [nginx] [report]) of a
                                      report over DIR's logs, state in
                                      STATE, pages in OPS
    report-gen.py check DIR HOST...   compare DIR/ops/index.json (all hosts)
                                      and DIR/ops/hosts/HOST/index.json with
                                      the figures computed here from lines.json

Latencies are chosen exact in the overview's histogram bins (below 256 ms,
or a multiple of the bin width above: 300, 1000, 2000 ms ...), so every
p50/p95/p99 computed here by nearest rank from the raw values must equal
the page's exactly, as must the counts, req/s and the 4xx/5xx ratios (the
same IEEE division). Timestamps sit well inside their window (the hour's
lines 5 to 50 minutes before NOW, the day's 3 to 5 hours, the week's 3
days; one line 8 days old), so the check does not depend on the second
the report ran. Prints one line per window and stream checked.
"""
import json
import os
import random
import sys
import time

HOSTS = ["api.bootstack.test", "www.bootstack.test"]


def bin_exact(ms):
    """True when ms is the lowest value of its overview bin."""
    if ms < 256:
        return True
    k = ms.bit_length() - 1
    return ms % (1 << (k - 7)) == 0


def gen(d, rnd_round, now):
    rnd = random.Random(rnd_round)
    lines = []          # dicts: ts host method path route status rt up
    events = []         # dicts: ts host status title route rid detail

    def req(ts, method, path, route, status, rt, up, host=None):
        host = host or HOSTS[len(lines) % 5 == 0]   # 1 in 5 on www
        assert bin_exact(rt) and (up is None or all(bin_exact(u) for u in up)), (rt, up)
        lines.append(dict(ts=ts, host=host, method=method, path=path, route=route,
                          status=status, rt=rt, up=up))

    def ev(ts, status, title, route, detail, host):
        rid = "%032x" % rnd.getrandbits(128)
        events.append(dict(ts=ts, host=host, status=status, title=title,
                           route=route, rid=rid, detail=detail))

    base = now - 50 * 60
    if rnd_round == 1:
        # GET /v1/tasks/{id}: 180 x 10 ms, 10 x 50, 6 x 120 (404), 4 x 1000 (500)
        for i, (rt, st) in enumerate([(10, 200)] * 180 + [(50, 200)] * 10 +
                                     [(120, 404)] * 6 + [(1000, 500)] * 4):
            req(base + i * 10, "GET", "/v1/tasks/%d" % rnd.randint(1, 10**6),
                "GET /v1/tasks/{id}", st, rt, [rt // 2])
        # POST /v1/tasks: 30 and 40 ms, some 300, one 2000; 422s, 503s; 429s by nginx
        post = [(30, 201)] * 20 + [(40, 201)] * 12 + [(40, 422)] * 8 + \
               [(300, 201)] * 7 + [(300, 503)] * 2 + [(2000, 201)]
        for i, (rt, st) in enumerate(post):
            req(base + 30 + i * 37, "POST", "/v1/tasks", "POST /v1/tasks", st, rt,
                [rt] if i != 5 else [rt // 2, rt // 2])      # one retried upstream
        for i in range(5):
            req(base + 100 + i, "POST", "/v1/tasks", "POST /v1/tasks", 429, 0, None)
        # HEAD is a request of its own; a query string is not part of the route
        for i in range(3):
            req(base + 200 + i, "HEAD", "/v1/tasks?limit=%d" % i, "HEAD /v1/tasks",
                200, 2, [2])
        # no template: scanners, typos
        for i in range(10):
            req(base + 300 + i, "GET", "/nope/%d" % i, "(no route)", 404, 1, [1])
        # health checks: left out ([report] exclude)
        for i in range(5):
            req(base + 400 + i, "GET", "/healthz", None, 200, 1, [1])
        # earlier today: slow GETs (day and week only)
        for i in range(30):
            req(now - 3 * 3600 - i * 60, "GET", "/v1/tasks/%d" % i,
                "GET /v1/tasks/{id}", 200, 2000, [2000])
        # this week: DELETEs (week only)
        for i in range(20):
            req(now - 3 * 86400 + i * 60, "DELETE", "/v1/tasks/%d" % i,
                "DELETE /v1/tasks/{id}", 204, 5, [4])
        # older than the week kept
        req(now - 8 * 86400, "GET", "/version", "GET /version", 200, 3, [3])
        for i in range(6):
            ev(base + 10 * i, 404, "Not Found", "", "no route for /nope/%d" % i, HOSTS[0])
        for i in range(8):
            ev(base + 30 + 37 * i, 422, "Unprocessable Content", "POST /v1/tasks",
               "title: too long", HOSTS[i % 2])
        ev(now - 3 * 3600, 503, "Service Unavailable", "POST /v1/tasks",
           "the database is not reachable", HOSTS[1])
    else:
        # appended: 100 fast GETs and 20 POSTs in the last minutes, 2 more 404 events
        for i in range(100):
            req(now - 300 + i, "GET", "/v1/tasks/%d" % i, "GET /v1/tasks/{id}",
                200, 10, [5])
        for i in range(20):
            req(now - 200 + i, "POST", "/v1/tasks", "POST /v1/tasks", 201, 40, [40])
        for i in range(2):
            ev(now - 100 + i, 404, "Not Found", "", "no route for /x", HOSTS[0])

    with open(os.path.join(d, "access.log"), "a") as f:
        for i, l in enumerate(lines):
            ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(l["ts"]))
            up = "-" if l["up"] is None else ", ".join("%.3f" % (u / 1000) for u in l["up"])
            f.write('%s 198.51.100.%d - - [%s] "%s %s HTTP/2.0" %d %d "-" "curl/8.5.0" %.3f "%s" %032x\n' % (
                l["host"], i % 250 + 1, ts, l["method"], l["path"], l["status"],
                100 + i % 7, l["rt"] / 1000, up, rnd.getrandbits(128)))
    with open(os.path.join(d, "api.log"), "a") as f:
        for e in events:
            ts = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(e["ts"]))
            f.write(json.dumps({"ts": ts, "level": "info", "prog": "bootstack-api",
                                "pid": 7, "request_id": e["rid"], "msg": "problem",
                                "status": e["status"], "type": "about:blank",
                                "title": e["title"], **({"route": e["route"]} if e["route"] else {}),
                                "method": "GET", "path": "/x", "host": e["host"] + ":8443",
                                "detail": e["detail"]}) + "\n")
            # the other lines of the log are not problems
            f.write('{"ts":"%s","level":"info","prog":"bootstack-api","pid":7,"msg":"worker 1 ready"}\n' % ts)
    path = os.path.join(d, "lines.json")
    old = json.load(open(path)) if os.path.exists(path) else {"lines": [], "events": []}
    old["lines"] += lines
    old["events"] += events
    json.dump(old, open(path, "w"))
    print("round %d: %d access-log lines, %d problem events" % (rnd_round, len(lines), len(events)))


def rank(values, permille):
    """Nearest rank: the lowest v with ceil(n * p / 1000) values <= v."""
    if not values:
        return 0
    v = sorted(values)
    k = max(1, -(-len(v) * permille // 1000))
    return v[k - 1]


def window_ids(w, now):
    step, n = {"hour": (60, 60), "day": (3600, 24), "week": (3600, 168)}[w]
    return step, now // step - n + 1, now // step, n * step


def expect(data, host, now):
    lines = [l for l in data["lines"] if l["route"] is not None and
             (host is None or l["host"] == host)]
    out = {}
    for w in ("hour", "day", "week"):
        step, first, last, seconds = window_ids(w, now)
        inw = [l for l in lines if first <= l["ts"] // step <= last]
        rows = {}
        for l in inw:
            rows.setdefault(l["route"], []).append(l)
        rows["*"] = inw

        def figures(ls):
            n = len(ls)
            e4 = sum(1 for l in ls if 400 <= l["status"] < 500)
            e5 = sum(1 for l in ls if 500 <= l["status"] < 600)
            rt = [l["rt"] for l in ls]
            up = [sum(l["up"]) for l in ls if l["up"] is not None]
            return {"requests": n, "rps": n / seconds, "4xx": e4, "5xx": e5,
                    "ratio_4xx": e4 / n if n else 0.0, "ratio_5xx": e5 / n if n else 0.0,
                    "p50_ms": rank(rt, 500), "p95_ms": rank(rt, 950), "p99_ms": rank(rt, 990),
                    "upstream": {"requests": len(up), "p50_ms": rank(up, 500),
                                 "p95_ms": rank(up, 950), "p99_ms": rank(up, 990)}}
        out[w] = {k: figures(v) for k, v in rows.items()}
        evs = [e for e in data["events"] if (host is None or e["host"] == host)
               and first <= e["ts"] // step <= last]
        probs = {}
        for e in evs:
            k = (e["status"], e["title"], e["route"])
            p = probs.setdefault(k, {"count": 0, "last": None})
            p["count"] += 1
            if p["last"] is None or e["ts"] >= p["last"]["ts"]:
                p["last"] = e
        out[w]["problems"] = probs
    return out


def check(d, hosts):
    data = json.load(open(os.path.join(d, "lines.json")))
    bad = 0
    for host in [None] + hosts:
        f = os.path.join(d, "ops", "index.json") if host is None else \
            os.path.join(d, "ops", "hosts", host, "index.json")
        got = json.load(open(f))
        want = expect(data, host, got["now"])
        if host is None:
            counted = sum(1 for l in data["lines"] if l["route"] is not None)
            excluded = sum(1 for l in data["lines"] if l["route"] is None)
            old = sum(1 for l in data["lines"] if l["route"] is not None and
                      l["ts"] // 3600 <= got["now"] // 3600 - 168)
            if got["lines"] != {"counted": counted, "excluded": excluded, "too_old": old}:
                print("BAD lines: got %s, want %d counted, %d excluded, %d too old" % (
                    got["lines"], counted, excluded, old))
                bad += 1
        for w in ("hour", "day", "week"):
            gw = got["windows"][w]
            ww = want[w]
            rows = {r["route"]: {k: v for k, v in r.items() if k not in ("route", "bytes")}
                    for r in gw["routes"]}
            total = {k: v for k, v in gw["total"].items() if k != "bytes"}
            exp_rows = {k: v for k, v in ww.items() if k not in ("*", "problems")}
            ok = rows == exp_rows and total == ww["*"]
            sums = sum(gw["series"]["requests"]) == total["requests"] and \
                sum(gw["series"]["4xx"]) == total["4xx"] and sum(gw["series"]["5xx"]) == total["5xx"]
            probs = {(p["status"], p["title"], p["route"]): (p["count"], p["last_request_id"],
                                                            p["last_detail"]) for p in gw["problems"]}
            exp_probs = {k: (v["count"], v["last"]["rid"], v["last"]["detail"])
                         for k, v in ww["problems"].items()}
            okp = probs == exp_probs
            name = host or "all hosts"
            if ok and sums and okp:
                print("ok %s %s: %d routes, %d requests, p95 %d ms, p99 %d ms, %d problem kinds" % (
                    name, w, len(rows), total["requests"], total["p95_ms"], total["p99_ms"], len(probs)))
                continue
            bad += 1
            print("BAD %s %s" % (name, w))
            for k in sorted(set(rows) | set(exp_rows)):
                if rows.get(k) != exp_rows.get(k):
                    print("  route %s:\n    got  %s\n    want %s" % (k, rows.get(k), exp_rows.get(k)))
            if total != ww["*"]:
                print("  total:\n    got  %s\n    want %s" % (total, ww["*"]))
            if not sums:
                print("  series do not add up to the totals")
            if not okp:
                print("  problems:\n    got  %s\n    want %s" % (probs, exp_probs))
    return bad


def conf(d, state, ops):
    """The configuration of a report over the logs gen() writes in d."""
    print("[site]\ndomain = bootstack.test\nsubdomains = %s\n\n"
          "[api]\nlog_file = %s/api.log\n\n"
          "[nginx]\nops_root = %s\naccess_log = %s/access.log\n\n"
          "[report]\nstate_dir = %s"
          % (" ".join(h.split(".")[0] for h in HOSTS), d, ops, d, state))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "conf":
        conf(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(1 if check(sys.argv[2], sys.argv[3:]) else 0)
