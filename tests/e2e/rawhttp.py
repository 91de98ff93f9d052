#!/usr/bin/env python3
# rawhttp.py: sends over TLS what curl will not send, and prints the answer
# as one JSON line: {"status": N, "type": "...", "body": "..."}, or
# {"closed": true} when the server closed without answering, or
# {"goaway": CODE} / {"reset": CODE} for an HTTP/2 refusal.
#
#   rawhttp.py h1 HOST PORT SNI CAFILE < request-bytes
#   rawhttp.py h2 HOST PORT SNI CAFILE NAME VALUE [NAME VALUE ...] [--body TEXT]
#
# h1 sends stdin as it is (the test writes the request line and headers).
# h2 sends one HEADERS frame with the given fields in that order, pseudo
# headers included, each as an HPACK literal without Huffman coding, so any
# byte can go in; --body adds one DATA frame. Only what the tests need of
# HTTP/2 is here: the response's :status (static index or literal, as
# nginx sends it) and its DATA; other response headers are not decoded.
import json
import socket
import ssl
import struct
import sys


def connect(host, port, sni, cafile, alpn):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols([alpn])
    s = socket.create_connection((host, int(port)), timeout=30)
    return ctx.wrap_socket(s, server_hostname=sni)


def h1(host, port, sni, cafile, request):
    """Sends request (bytes) over TLS (HTTP/1.1); the answer as a dict."""
    s = connect(host, port, sni, cafile, "http/1.1")
    s.sendall(request)
    data = b""
    try:
        while True:
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length" and \
                            len(rest) >= int(value):
                        break
                else:
                    line = None
                if line is not None:
                    break
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ssl.SSLError, OSError):
        pass
    if not data:
        return {"closed": True}
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    out = {"status": int(lines[0].split()[1]), "line": lines[0], "type": ""}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        out.setdefault("headers", {})[name.strip().lower()] = value.strip()
        if name.strip().lower() == "content-type":
            out["type"] = value.strip()
    out["body"] = body.decode("utf-8", "replace")
    return out


def hpack_int(value, prefix, first=0):
    limit = (1 << prefix) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


STATIC_STATUS = {8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500}


def status_of(block):
    b = block[0]
    if b & 0x80:
        return STATIC_STATUS.get(b & 0x7f, 0)
    # a literal whose name is :status (index 8): 3 raw digits
    n = block[1] & 0x7f
    return int(block[2:2 + n].decode())


def h2(host, port, sni, cafile, fields, body=None):
    """Sends one request of fields [(name, value)] (and body) over HTTP/2."""
    s = connect(host, port, sni, cafile, "h2")
    if s.selected_alpn_protocol() != "h2":
        sys.exit("no h2")
    block = b""
    for name, value in fields:
        n, v = name.encode(), value.encode("utf-8", "surrogateescape")
        block += b"\x00" + hpack_int(len(n), 7) + n + hpack_int(len(v), 7) + v
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") +
              frame(1, 0x4 | (0 if body else 0x1), 1, block) +
              (frame(0, 0x1, 1, body) if body else b""))
    buf, out, data = b"", {}, b""
    while True:
        while len(buf) < 9 or len(buf) < 9 + int.from_bytes(buf[:3], "big"):
            try:
                chunk = s.recv(65536)
            except (ssl.SSLError, OSError):
                chunk = b""
            if not chunk:
                return out if "status" in out else {"closed": True}
            buf += chunk
        n = int.from_bytes(buf[:3], "big")
        ftype, flags, stream = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7fffffff
        payload, buf = buf[9:9 + n], buf[9 + n:]
        if ftype == 4 and not flags & 1:
            s.sendall(frame(4, 1, 0, b""))
        elif ftype == 7:
            return {"goaway": int.from_bytes(payload[4:8], "big")}
        elif ftype == 3 and stream == 1:
            return {"reset": int.from_bytes(payload[:4], "big")}
        elif ftype == 1 and stream == 1:
            out["status"] = status_of(payload)
            if flags & 1:
                return out
        elif ftype == 0 and stream == 1:
            data += payload
            if flags & 1:
                out["body"] = data.decode("utf-8", "replace")
                return out


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "h1":
        print(json.dumps(h1(*rest[:4], sys.stdin.buffer.read())))
    else:
        body = None
        if "--body" in rest:
            i = rest.index("--body")
            body = rest[i + 1].encode()
            rest = rest[:i] + rest[i + 2:]
        f = rest[4:]
        print(json.dumps(h2(*rest[:4], list(zip(f[::2], f[1::2])), body)))
