#!/usr/bin/env python3
"""fault-proxy.py: an HTTP(S) proxy for the certificate e2e scripts that
puts a bad day between bootstack and a real server (Pebble's ACME
listener, or nginx serving the HTTP-01 webroot to Pebble's VA).

    fault-proxy.py --listen PORT --upstream https://127.0.0.1:14000 \
        [--cert PEM --key PEM] [--cafile PEM] --rules FILE --log FILE

Every request is forwarded unchanged (the Host header too, so Pebble builds
its URLs for the proxy's address) unless a rule of FILE matches it. FILE is
read again at each request, so a script changes faults between runs; one
rule a line:

    METHOD PATH-REGEX ACTION [COUNT [SKIP]]

ACTION is status:NNN (answer NNN with a problem document instead of
forwarding), delay:SECONDS (wait, then forward), drop (close the
connection without an answer) or cut (forward the request, read the
upstream's whole reply, then close the connection without answering: the
server did the work, the client never hears of it). COUNT (default:
always) is how many requests the rule hits, after the first SKIP matching
requests (default 0) went through untouched, so "POST /x cut 1 2" cuts the
third; the proxy keeps the counts while it runs. Every
request is logged as "METHOD PATH -> STATUS [rule]" to the log file, which
the scripts count (new orders: POST lines for newOrder's path).
Loopback only; it never listens on another address.
"""
import argparse
import http.client
import http.server
import re
import ssl
import sys
import threading
import time
import urllib.parse

from e2e_server import serve

LOCK = threading.Lock()
HITS = {}


def rules(path):
    """The rules of path: (method, regex, action, count or None, skip,
    key)."""
    out = []
    try:
        with open(path) as f:
            for n, line in enumerate(f):
                w = line.split()
                if len(w) < 3 or w[0].startswith("#"):
                    continue
                out.append((w[0], re.compile(w[1]), w[2],
                            int(w[3]) if len(w) > 3 else None,
                            int(w[4]) if len(w) > 4 else 0,
                            "%d:%s" % (n, line.strip())))
    except FileNotFoundError:
        pass
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status, why=""):
        with LOCK, open(self.server.args.log, "a") as f:
            f.write("%s %s -> %s%s\n" % (self.command, self.path, status,
                                          " [" + why + "]" if why else ""))

    def rule(self):
        for method, rx, action, count, skip, key in rules(
                self.server.args.rules):
            if method not in ("*", self.command) or not rx.search(self.path):
                continue
            with LOCK:
                seen = HITS.get(key, 0)
                HITS[key] = seen + 1
                if seen < skip or (count is not None and
                                   seen - skip >= count):
                    continue
            return action
        return None

    def forward(self, body):
        a = self.server.args
        u = urllib.parse.urlsplit(a.upstream)
        if u.scheme == "https":
            ctx = ssl.create_default_context(cafile=a.cafile)
            ctx.check_hostname = False
            conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                               timeout=60)
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "keep-alive",
                                        "proxy-connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        return conn.getresponse()

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else None
        action = self.rule()
        if action == "drop":
            self.note("dropped", action)
            self.close_connection = True
            return
        if action and action.startswith("status:"):
            code = int(action[7:])
            doc = (b'{"type":"urn:ietf:params:acme:error:serverInternal",'
                   b'"detail":"injected by fault-proxy.py"}')
            self.send_response(code)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Content-Length", str(len(doc)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(doc)
            self.note(code, action)
            return
        if action and action.startswith("delay:"):
            time.sleep(float(action[6:]))
        try:
            r = self.forward(body)
        except OSError as e:
            self.note("upstream error %s" % e, action or "")
            self.close_connection = True
            return
        data = r.read()
        if action == "cut":
            # The upstream answered (and acted); the client hears nothing.
            self.note("cut after upstream %s" % r.status, action)
            self.close_connection = True
            return
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() in ("connection", "keep-alive", "transfer-encoding",
                             "content-length"):
                continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.note(r.status, action or "")

    do_GET = do_POST = do_HEAD = handle_one


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--cafile")
    p.add_argument("--rules", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    srv = serve(args.listen, Handler, args.cert, args.key)
    srv.args = args
    sys.stdout.write("listening\n")
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
