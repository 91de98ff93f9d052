#!/usr/bin/env python3
"""webhook-receiver.py: a local webhook endpoint for the alert tests.

    webhook-receiver.py PORTFILE LOG [PORT]

Listens on 127.0.0.1 (PORT, or a free one), writes the port to PORTFILE
once it listens, and appends one line per POST to LOG: a JSON object
{"path": ..., "authorization": ..., "content_type": ..., "body": <the
parsed JSON body, or its text>}. Answers 204. A file LOG.fail makes it
answer 500 instead (and log nothing), to play a failing receiver.
"""
import http.server
import json
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1 << 20:
            self.send_response(413)
            self.end_headers()
            return
        data = self.rfile.read(n)
        if os.path.exists(LOG + ".fail"):
            self.send_response(500)
            self.end_headers()
            return
        try:
            body = json.loads(data)
        except ValueError:
            body = data.decode("utf-8", "replace")
        rec = {"path": self.path,
               "authorization": self.headers.get("Authorization"),
               "content_type": self.headers.get("Content-Type"),
               "body": body}
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


PORTFILE, LOG = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
