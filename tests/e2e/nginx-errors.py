#!/usr/bin/env python3
# nginx-errors.py: walks malformed and refused requests through nginx over
# HTTP/1.1 and HTTP/2 and checks that every answer nginx (or the API) makes
# is an RFC 9457 problem document with the right status, its request id
# matching X-Request-ID, and never nginx's HTML page.
#
#   nginx-errors.py PORT CAFILE GROUP...
#
# The server is 127.0.0.1:PORT, with SNI and Host api.bootstack.test (as
# tests/e2e/lib.sh sets up). GROUP names a set of cases (see CASES): the
# calling script puts nginx in the state a group needs first (a missing
# password file, a broken body buffer folder, the API stopped). curl sends
# what it can (HTTP/1.1 and --http2); rawhttp.py sends the rest. HTTP/2
# has no way to answer some refusals: an over-long header field is a
# GOAWAY (ENHANCE_YOUR_CALM), a header name in capitals a stream reset; for
# those the case says so and that is what is checked. Prints one line per
# request and the counts; exits 1 if any answer was wrong.
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rawhttp  # noqa: E402

PORT, CA = sys.argv[1], sys.argv[2]
GROUPS = sys.argv[3:]
HOST = "api.bootstack.test"
URL = "https://%s:%s" % (HOST, PORT)
LONG = "a" * 9000
BIG = "x" * 9000

# (group, name, status, how, what): how is "curl" (what: curl arguments,
# run once with --http1.1 and once with --http2), "h1" (what: raw bytes),
# or "h2" (what: header fields, and the answer wanted may be "goaway:N"
# or "reset:N").
CASES = [
    ("parse", "path /../x", 400, "curl", ["--path-as-is", URL + "/../x"]),
    ("parse", "NUL in path", 400, "curl", [URL + "/v1/tasks/1%00"]),
    ("parse", "path /%2e%2e/x", 400, "curl", ["--path-as-is", URL + "/%2e%2e/x"]),
    ("parse", "lowercase method", 400, "curl", ["-X", "get", URL + "/healthz"]),
    ("parse", "CONNECT", 405, "curl", ["-X", "CONNECT", URL + "/healthz"]),
    ("parse", "OPTIONS *", 400, "curl", ["-X", "OPTIONS", "--request-target", "*", URL + "/"]),
    ("parse", "path without a slash", 400, "curl", ["--request-target", "x", URL + "/"]),
    ("parse", "TRACE", 405, "curl", ["-X", "TRACE", URL + "/healthz"]),
    ("parse", "no Host", 400, "curl", ["-H", "Host:", URL + "/healthz"]),
    ("parse", "an error page asked for directly", 404, "curl", [URL + "/.bootstack/error/500"]),
    ("parse", "body over max_body", 413, "curl",
     ["-H", "Content-Type: application/json", "-H", "Content-Length: 2000000",
      "--data-binary", "x", URL + "/v1/tasks"]),
    ("parse", "8 KB request line", 414, "h1",
     b"GET /" + LONG.encode() + b" HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n\r\n"),
    # HTTP/2 has no request line: curl's Huffman-coded 9000-byte :path fits
    # nginx's buffers and reaches the API, which keeps 2047 bytes of a path.
    ("parse", "9000-byte :path (API)", 414, "curl-h2", [URL + "/" + LONG]),
    ("parse", "9000-byte :path, no Huffman", "goaway:11", "h2",
     [(":method", "GET"), (":scheme", "https"), (":path", "/" + LONG), (":authority", HOST)]),
    ("parse", "header over 8 KB", 431, "h1",
     b"GET /healthz HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nX-Big: " + BIG.encode() +
     b"\r\n\r\n"),
    ("parse", "headers over 32 KB", 431, "h1",
     b"GET /healthz HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n" +
     b"".join(b"X-B%d: %s\r\n" % (i, b"y" * 7000) for i in range(6)) + b"\r\n"),
    ("parse", "header over 8 KB", "goaway:11", "h2",
     [(":method", "GET"), (":scheme", "https"), (":path", "/healthz"), (":authority", HOST),
      ("x-big", BIG)]),
    ("parse", "unknown Transfer-Encoding", 501, "h1",
     b"POST /v1/tasks HTTP/1.1\r\nHost: " + HOST.encode() +
     b"\r\nTransfer-Encoding: gzip\r\n\r\n"),
    ("parse", "unknown transfer-encoding", 501, "h2",
     [(":method", "POST"), (":scheme", "https"), (":path", "/v1/tasks"), (":authority", HOST),
      ("transfer-encoding", "gzip")]),
    ("parse", "chunked and Content-Length", 400, "h1",
     b"POST /v1/tasks HTTP/1.1\r\nHost: " + HOST.encode() +
     b"\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc"),
    ("parse", "HTTP/2.0 request line", 505, "h1",
     b"GET /healthz HTTP/2.0\r\nHost: " + HOST.encode() + b"\r\n\r\n"),
    ("parse", "HTTP/3.0 request line", 505, "h1",
     b"GET /healthz HTTP/3.0\r\nHost: " + HOST.encode() + b"\r\n\r\n"),
    ("parse", "control byte in the path", 400, "h1",
     b"GET /health\x01z HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n\r\n"),
    ("parse", "control byte in :path", 400, "h2",
     [(":method", "GET"), (":scheme", "https"), (":path", "/health\x01z"), (":authority", HOST)]),
    ("parse", "space in a header name", 400, "h1",
     b"GET /healthz HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nBad Header: x\r\n\r\n"),
    ("parse", "capitals in a header name", "reset:1", "h2",
     [(":method", "GET"), (":scheme", "https"), (":path", "/healthz"), (":authority", HOST),
      ("X-Upper", "y")]),
    ("parse", "two Host headers", 400, "h1",
     b"GET /healthz HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nHost: " + HOST.encode() +
     b"\r\n\r\n"),
    ("parse", "blank in Host", 400, "h1",
     b"GET /healthz HTTP/1.1\r\nHost: bad host\r\n\r\n"),
    ("parse", "CONNECT without :path", 400, "h2",
     [(":method", "CONNECT"), (":authority", HOST)]),
    ("parse", "lowercase :method", 400, "h2",
     [(":method", "get"), (":scheme", "https"), (":path", "/healthz"), (":authority", HOST)]),
    ("parse", "no :authority, no host", 400, "h2",
     [(":method", "GET"), (":scheme", "https"), (":path", "/healthz")]),
    # [nginx] htpasswd_file unreadable (a folder): the access phase fails.
    ("nopasswd", "/ops/ with its password file broken", 500, "curl", ["-u", "ops:x", URL + "/ops/"]),
    ("passwd", "/ops/ without credentials", 401, "curl", [URL + "/ops/"]),
    ("passwd", "/ops/ file not there", 404, "curl", ["-u", "ops:walk-password", URL + "/ops/nope.html"]),
    ("passwd", "/ops/ POST", 405, "curl", ["-u", "ops:walk-password", "-d", "x", URL + "/ops/"]),
    # nginx's body buffer folder broken: the body phase fails.
    ("nobuffer", "body to a broken buffer folder", 500, "curl",
     ["-H", "Content-Type: application/json", "--data-binary", "@" + os.environ.get("BIGBODY", "/dev/null"),
      URL + "/v1/tasks"]),
    ("noapi", "the API stopped", 502, "curl", [URL + "/healthz"]),
]


def check_problem(status, ctype, body, rid):
    """Why an answer is not the problem document of status, or None."""
    if ctype is not None and not ctype.startswith("application/problem+json"):
        return "content type %r" % ctype
    try:
        d = json.loads(body)
    except ValueError:
        return "not JSON: %r" % body[:80]
    if d.get("status") != status or d.get("type") != "about:blank" or not d.get("title"):
        return "document %r" % d
    if not d.get("request_id") or (rid is not None and d["request_id"] != rid):
        return "request id %r, header %r" % (d.get("request_id"), rid)
    return None


def curl(args, version):
    """One curl run: (status, content type, body, X-Request-ID)."""
    out = subprocess.run(
        ["curl", "-s", version, "--cacert", CA, "--resolve", "%s:%s:127.0.0.1" % (HOST, PORT),
         "-D", "-", "-o", "/dev/stderr", "-w", "%{http_code} %{content_type}", "-H",
         "Expect:"] + args, capture_output=True)
    head = out.stdout.decode("latin-1")
    rid = None
    for line in head.splitlines():
        if line.lower().startswith("x-request-id:"):
            rid = line.split(":", 1)[1].strip()
    last = head.splitlines()[-1] if head else "000 "
    code, _, ctype = last.partition(" ")
    return int(code), ctype, out.stderr.decode("utf-8", "replace"), rid


def run(case):
    """Runs one case; yields (label, error or None)."""
    group, name, want, how, what = case
    if how in ("curl", "curl-h1", "curl-h2"):
        versions = {"curl": ["--http1.1", "--http2"], "curl-h1": ["--http1.1"],
                    "curl-h2": ["--http2"]}[how]
        for v in versions:
            code, ctype, body, rid = curl(what, v)
            label = "%s %s" % ("HTTP/1.1" if v == "--http1.1" else "HTTP/2  ", name)
            if code != want:
                yield label, "status %d, want %d: %r" % (code, want, body[:100])
            else:
                yield label, check_problem(want, ctype, body, rid)
        return
    if how == "h1":
        got = rawhttp.h1("127.0.0.1", PORT, HOST, CA, what)
        label = "HTTP/1.1 " + name + " (raw)"
        if got.get("status") != want:
            yield label, "answer %r, want %d" % ({k: got.get(k) for k in ("status", "closed", "body")}, want)
        else:
            yield label, check_problem(want, got.get("type"), got.get("body", ""),
                                       got.get("headers", {}).get("x-request-id"))
        return
    got = rawhttp.h2("127.0.0.1", PORT, HOST, CA, what)
    label = "HTTP/2   " + name + " (raw)"
    if isinstance(want, str):
        kind, _, code = want.partition(":")
        yield label, None if got.get(kind) == int(code) else "answer %r, want %s" % (got, want)
    elif got.get("status") != want:
        yield label, "answer %r, want %d" % (got, want)
    else:
        yield label, check_problem(want, None, got.get("body", ""), None)


ok = bad = 0
for case in CASES:
    if case[0] not in GROUPS:
        continue
    for label, err in run(case):
        if err is None:
            ok += 1
            print("ok   %s -> %s" % (label, case[2]))
        else:
            bad += 1
            print("FAIL %s: %s" % (label, err))
print("nginx-errors %s: %d right, %d wrong" % (" ".join(GROUPS), ok, bad))
sys.exit(1 if bad else 0)
