#!/usr/bin/env python3
"""dynadot-double.py: a test double of Dynadot's api3 JSON API, loopback only.

It answers the two commands bootstack calls, the way the reference
(shared/reference/acme-dns.md section 1a) documents them:

  GET /api3.json?key=KEY&command=get_dns&domain=D
      {"GetDnsResponse": {"ResponseCode": "0", "Status": "success",
       "GetDns": {"NameServerSettings": {"Type": "Dynadot DNS",
       "MainDomains": [{"RecordType": "A", "Value": "..."}],
       "SubDomains": [{"Subhost": "www", "RecordType": "A", "Value": "..."}],
       "TTL": "300"}}}}
      (the nesting of NameServerSettings is UNVERIFIED: inferred from the
      XML form GetDnsResponse/GetDnsContent/NameServerSettings and the
      fields acme.sh pattern-matches.)
  GET /api3.json?key=KEY&command=set_dns2&domain=D&main_record_type0=a&
      main_record0=...&main_recordx0=...&subdomain0=www&sub_record_type0=a&
      sub_record0=...&sub_recordx0=...&ttl=N[&add_dns_to_current_setting=1]
      Replaces the whole zone (or appends with add_dns_to_current_setting,
      which, as acme.sh reports (UNVERIFIED), is refused unless an apex
      record is sent too); answers {"SetDns2Response": {"ResponseCode": 0,
      "Status": "success"}}.
  Errors: {"<Command>Response": {"ResponseCode": "-1", "Status": "error",
      "Error": "..."}}; a busy server {"...Response": {"ResponseCode": "-1",
      "Status": "system_busy"}} (shape of 7c/dynadot's RegisterHeader); a
      wrong key, refused before any command runs and counted as a call:
      {"Response": {"ResponseCode": -1, "Error": "invalid key"}} (the
      shape Dynadot answers; "ip address not allowed" in the same shape
      for the allow-list is UNVERIFIED wording).
  Partial reads (fault "partial"): a NameServerSettings without one of
  its lists, with null or "" instead, or with only Type. Dynadot documents
  both lists in every reply ([] when empty); bootstack must refuse these.

Every zone change is published into pebble-challtestsrv's DNS (A, AAAA,
CNAME, TXT through its management API) after --delay seconds, in order,
so the code under test sees real propagation lag. MX, forward, stealth,
email and unknown records are kept in the zone but cannot be published.

Control endpoint (not part of Dynadot's API), JSON bodies:
  GET  /_control/zone?domain=D      the zone as the double holds it
  POST /_control/zone               {"domain", "ttl", "main": [[type, value,
                                     value2?]...], "sub": [[host, type,
                                     value, value2?]...]} sets it (no call
                                     counted), published as usual
  POST /_control/fault              {"command": "set_dns2"|"get_dns"|"*",
                                     "mode": "error"|"http500"|"busy"|
                                     "timeout"|"slow"|"apply_then_timeout"|
                                     "drop_record"|"ip_denied"|"partial"|
                                     "external_ns"|"edit_after", "count": N,
                                     "message": "...", "seconds": S,
                                     "shape": "no_main"|"no_sub"|"null_main"|
                                     "null_sub"|"sub_string"|"type_only"
                                     (partial), "record": [host, type,
                                     value] (edit_after: added to the zone
                                     right after that get_dns is answered,
                                     as a web UI edit would)}
  POST /_control/delay              {"seconds": S} publication delay
  POST /_control/flush              publishes everything pending now
  GET  /_control/calls              [{"command", "domain", "params"}] (key
                                     hidden); DELETE clears the list
  GET  /_control/published          what challtestsrv was last told

The API key is checked but never logged or stored in any output: request
lines are logged with key=(hidden).
"""
import argparse
import http.server
import json
import sys
import threading
import time
import urllib.parse
import urllib.request

MAIN_TYPES = {"a", "aaaa", "cname", "forward", "txt", "mx", "stealth", "email"}
SUB_TYPES = MAIN_TYPES | {"srv"}
SHOW = {"a": "A", "aaaa": "AAAA", "cname": "CNAME", "forward": "Forward",
        "txt": "TXT", "mx": "MX", "stealth": "Stealth", "email": "Email",
        "srv": "SRV"}


class State:
    """Zones, faults and the publication queue, under one lock."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.key = args.key
        self.cts = args.cts.rstrip("/") if args.cts else None
        self.delay = args.delay
        self.log = open(args.log, "a", buffering=1) if args.log else sys.stderr
        self.zones = {}         # domain -> {"ttl": int, "records": [...]}
        self.faults = []        # dicts as posted to /_control/fault
        self.calls = []
        self.queue = []         # (due, domain, records)
        self.published = {}     # domain -> records published
        self.busy = False       # a publication is being sent
        self.cv = threading.Condition(self.lock)
        for d in args.domain:
            self.zones[d] = {"ttl": 300, "records": []}
        threading.Thread(target=self.publisher, daemon=True).start()

    def say(self, msg):
        self.log.write(time.strftime("%H:%M:%S ") + msg + "\n")

    # --- publication into challtestsrv --------------------------------------
    def schedule(self, domain):
        """Queues the zone as it is now (lock held)."""
        recs = [dict(r) for r in self.zones[domain]["records"]]
        self.queue.append((time.time() + self.delay, domain, recs))
        self.cv.notify_all()

    def publisher(self):
        while True:
            with self.lock:
                while not self.queue or self.queue[0][0] > time.time():
                    wait = None if not self.queue else self.queue[0][0] - time.time()
                    self.cv.wait(wait)
                due, domain, recs = self.queue.pop(0)
                old = self.published.get(domain, [])
                self.busy = True
            try:
                self.publish(domain, old, recs)
            except OSError as e:
                self.say("cannot publish %s: %s" % (domain, e))
            with self.lock:
                self.published[domain] = recs
                self.busy = False
                self.cv.notify_all()

    def cts_post(self, path, body):
        if not self.cts:
            return
        req = urllib.request.Request(self.cts + path, data=json.dumps(body).encode(),
                                     method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()

    def publish(self, domain, old, new):
        def fq(r):
            return (r["host"] + "." + domain + ".") if r["host"] else domain + "."

        hosts = {fq(r) for r in old + new}
        for h in sorted(hosts):
            was = sorted((r["type"], r["value"]) for r in old if fq(r) == h)
            now = sorted((r["type"], r["value"]) for r in new if fq(r) == h)
            if was == now:
                continue
            for t in ("a", "aaaa", "cname", "txt"):
                w = [v for (tt, v) in was if tt == t]
                n = [v for (tt, v) in now if tt == t]
                if w == n:
                    continue
                if w:
                    self.cts_post("/clear-" + t, {"host": h})
                if not n:
                    continue
                if t == "a":
                    self.cts_post("/add-a", {"host": h, "addresses": n})
                elif t == "aaaa":
                    self.cts_post("/add-aaaa", {"host": h, "addresses": n})
                elif t == "cname":
                    tgt = n[0] if n[0].endswith(".") else n[0] + "."
                    self.cts_post("/set-cname", {"host": h, "target": tgt})
                else:
                    for v in n:
                        self.cts_post("/set-txt", {"host": h, "value": v})
        self.say("published %s (%d records)" % (domain, len(new)))

    def flush(self):
        with self.lock:
            self.queue = [(0, d, r) for (_, d, r) in self.queue]
            self.cv.notify_all()
            while self.queue or self.busy:
                self.cv.wait(1)

    # --- faults --------------------------------------------------------------
    def take_fault(self, command):
        with self.lock:
            for f in self.faults:
                if f.get("command", "*") in ("*", command) and f.get("count", 1) > 0:
                    f["count"] = f.get("count", 1) - 1
                    out = dict(f)
                    self.faults = [x for x in self.faults if x.get("count", 1) > 0]
                    return out
        return None


def zone_json(zone):
    main, sub = [], []
    for r in zone["records"]:
        e = {"RecordType": SHOW.get(r["type"], r["type"].upper()), "Value": r["value"]}
        if r.get("value2") not in (None, ""):
            e["Value2"] = r["value2"]
        if r["host"]:
            sub.append(dict({"Subhost": r["host"]}, **e))
        else:
            main.append(e)
    return {"Type": "Dynadot DNS", "MainDomains": main, "SubDomains": sub,
            "TTL": str(zone["ttl"])}


def partial(nss, shape):
    """NameServerSettings with a list absent, null or of another type."""
    nss = dict(nss)
    if shape == "no_main":
        del nss["MainDomains"]
    elif shape == "no_sub":
        del nss["SubDomains"]
    elif shape == "null_main":
        nss["MainDomains"] = None
    elif shape == "null_sub":
        nss["SubDomains"] = None
    elif shape == "sub_string":
        nss["SubDomains"] = ""
    elif shape == "type_only":
        nss = {"Type": nss["Type"]}
    return nss


def parse_set_dns2(q):
    """The records of a set_dns2 request, or an error text."""
    recs = []
    for i in range(20):
        t = q.get("main_record_type%d" % i)
        if t is None:
            continue
        t = t.lower()
        if t not in MAIN_TYPES:
            return None, "invalid main_record_type%d" % i
        v = q.get("main_record%d" % i)
        if v is None or v == "":
            return None, "main_record%d is missing" % i
        recs.append({"host": "", "type": t, "value": v,
                     "value2": q.get("main_recordx%d" % i)})
    for i in range(100):
        t = q.get("sub_record_type%d" % i)
        h = q.get("subdomain%d" % i)
        if t is None and h is None:
            continue
        if t is None or h is None or h == "":
            return None, "subdomain%d and sub_record_type%d go together" % (i, i)
        t = t.lower()
        if t not in SUB_TYPES:
            return None, "invalid sub_record_type%d" % i
        v = q.get("sub_record%d" % i)
        if v is None or v == "":
            return None, "sub_record%d is missing" % i
        recs.append({"host": h.lower(), "type": t, "value": v,
                     "value2": q.get("sub_recordx%d" % i)})
    for k in q:
        base = k.rstrip("0123456789")
        if base not in ("key", "command", "domain", "ttl", "add_dns_to_current_setting",
                        "main_record_type", "main_record", "main_recordx",
                        "subdomain", "sub_record_type", "sub_record", "sub_recordx"):
            return None, "unknown parameter %s" % k
    return recs, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    st = None

    def log_message(self, fmt, *args):
        line = fmt % args
        self.st.say(hide_key(line))

    def reply(self, code, obj, ctype="application/json"):
        body = (json.dumps(obj) if not isinstance(obj, (bytes, str)) else obj)
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path.startswith("/_control/"):
            return self.control("GET", u)
        if u.path != "/api3.json":
            return self.reply(404, {"error": "no such path"})
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        return self.api(q)

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path.startswith("/_control/"):
            return self.control("POST", u)
        return self.reply(405, {"error": "api3 is GET only"})

    def do_DELETE(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/_control/calls":
            with self.st.lock:
                self.st.calls = []
            return self.reply(200, {"ok": True})
        return self.reply(404, {"error": "no such path"})

    # --- the API -----------------------------------------------------------
    def api(self, q):
        st = self.st
        command = q.get("command", "")
        name = "".join(p.capitalize() for p in command.split("_")) or "Api"
        rname = name + "Response"
        domain = q.get("domain", "")

        def err(text, code="-1", status="error"):
            return self.reply(200, {rname: {"ResponseCode": code, "Status": status,
                                            "Error": text}})

        with st.lock:
            st.calls.append({"command": command, "domain": domain,
                             "params": hide_key(urllib.parse.urlencode(q))})
        if q.get("key") != st.key:
            # Refused before any command runs: a bare "Response", no Status.
            return self.reply(200, {"Response": {"ResponseCode": -1,
                                                 "Error": "invalid key"}})
        fault = st.take_fault(command)
        if fault:
            mode = fault.get("mode")
            st.say("fault %s on %s" % (mode, command))
            if mode == "ip_denied":
                return self.reply(200, {"Response": {"ResponseCode": -1,
                                                     "Error": "ip address not allowed"}})
            if mode == "error":
                return err(fault.get("message", "problem with connection to main server"))
            if mode == "busy":
                return self.reply(200, {rname: {"ResponseCode": "-1",
                                                "Status": "system_busy"}})
            if mode == "http500":
                return self.reply(500, "<html>Internal Server Error</html>", "text/html")
            if mode in ("timeout", "slow"):
                time.sleep(float(fault.get("seconds", 5)))
                if mode == "timeout":
                    self.close_connection = True
                    return
        if command == "get_dns":
            with st.lock:
                z = st.zones.get(domain)
                if z is None:
                    return err("could not find domain in your account")
                nss = zone_json(z)
                if fault and fault.get("mode") == "partial":
                    nss = partial(nss, fault.get("shape", ""))
                if fault and fault.get("mode") == "external_ns":
                    nss = {"Type": "Name Servers",
                           "NameServers": [{"ServerName": "ns1.example.net"},
                                           {"ServerName": "ns2.example.net"}]}
                if fault and fault.get("mode") == "edit_after":
                    # The operator edits the zone in the web UI right after
                    # this read: the record lands, the reply shows the zone
                    # before it.
                    h, t, v = fault["record"][:3]
                    z["records"].append({"host": h.lower(), "type": t.lower(),
                                         "value": v, "value2": None})
                    st.say("web edit after get_dns: + %s %s %s" % (h or "@", t, v))
                    st.schedule(domain)
            return self.reply(200, {"GetDnsResponse": {"ResponseCode": "0",
                                                       "Status": "success",
                                                       "GetDns": {"NameServerSettings": nss}}})
        if command == "set_dns2":
            recs, why = parse_set_dns2(q)
            if why:
                return err(why)
            with st.lock:
                z = st.zones.get(domain)
                if z is None:
                    return err("could not find domain in your account")
                append = q.get("add_dns_to_current_setting") in ("1", "yes")
                if append and not any(r["host"] == "" for r in recs):
                    return err("main domain record is required")
                if "ttl" in q:
                    try:
                        z["ttl"] = int(q["ttl"])
                    except ValueError:
                        return err("invalid ttl")
                if fault and fault.get("mode") == "drop_record" and recs:
                    dropped = recs.pop(0)
                    st.say("dropping %s %s on write" % (dropped["host"] or "@",
                                                        dropped["type"]))
                z["records"] = (z["records"] + recs) if append else recs
                st.schedule(domain)
            if fault and fault.get("mode") == "apply_then_timeout":
                time.sleep(float(fault.get("seconds", 5)))
                self.close_connection = True
                return
            return self.reply(200, {"SetDns2Response": {"ResponseCode": 0,
                                                        "Status": "success"}})
        return err("unknown command")

    # --- control -----------------------------------------------------------
    def control(self, method, u):
        st = self.st
        body = {}
        if method == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b"{}"
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self.reply(400, {"error": "bad JSON"})
        q = dict(urllib.parse.parse_qsl(u.query))
        path = u.path[len("/_control/"):]
        if path == "zone" and method == "GET":
            with st.lock:
                z = st.zones.get(q.get("domain", ""))
                return self.reply(200 if z else 404, z or {"error": "no zone"})
        if path == "zone":
            recs = []
            for m in body.get("main", []):
                recs.append({"host": "", "type": m[0].lower(), "value": m[1],
                             "value2": m[2] if len(m) > 2 else None})
            for s in body.get("sub", []):
                recs.append({"host": s[0].lower(), "type": s[1].lower(), "value": s[2],
                             "value2": s[3] if len(s) > 3 else None})
            with st.lock:
                st.zones[body["domain"]] = {"ttl": int(body.get("ttl", 300)),
                                            "records": recs}
                st.schedule(body["domain"])
            return self.reply(200, {"ok": True})
        if path == "fault":
            with st.lock:
                st.faults.append(body)
            return self.reply(200, {"ok": True})
        if path == "delay":
            with st.lock:
                st.delay = float(body.get("seconds", 0))
            return self.reply(200, {"ok": True})
        if path == "flush":
            st.flush()
            return self.reply(200, {"ok": True})
        if path == "calls":
            with st.lock:
                return self.reply(200, st.calls)
        if path == "published":
            with st.lock:
                return self.reply(200, st.published)
        return self.reply(404, {"error": "no such control"})


def hide_key(text):
    out = []
    for part in text.split("&"):
        for sep in ("key=", "key%3D"):
            i = part.find(sep)
            if i != -1 and (i == 0 or not part[i - 1].isalnum()):
                part = part[:i] + sep + "(hidden)"
        out.append(part)
    return "&".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--key-file", required=True)
    ap.add_argument("--domain", action="append", default=[])
    ap.add_argument("--cts", help="pebble-challtestsrv management URL")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--log")
    args = ap.parse_args()
    with open(args.key_file) as f:
        args.key = f.read().strip()
    Handler.st = State(args)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    Handler.st.say("listening on 127.0.0.1:%d" % srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
