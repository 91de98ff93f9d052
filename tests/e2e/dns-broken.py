#!/usr/bin/env python3
"""dns-broken.py: broken authoritative nameservers on loopback, for the
propagation policy tests (tests/e2e/063-dns-propagation.sh).

One UDP socket per mode given, each on a free port of 127.0.0.1; the ports
are written as "MODE PORT" lines to --port-file once all are bound.

  refuse    answers every query REFUSED (RFC 1035 RCODE 5)
  servfail  answers every query SERVFAIL (RCODE 2)
  silent    reads every query and never answers
  lame      answers NOERROR, not authoritative, no answer, and a referral
            (an NS record in the authority section) to another server:
            a server that does not serve the zone

Answers echo the query's id and question, as RFC 1035 section 4.1 has it.
Each query is counted per mode in the log (--log).
"""
import argparse
import os
import socket
import struct
import sys
import threading


def question_end(msg):
    """Offset just past the first question of msg, or None."""
    i = 12
    while i < len(msg):
        n = msg[i]
        if n == 0:
            return i + 1 + 4
        if n & 0xC0:
            return i + 2 + 4
        i += 1 + n
    return None


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def answer(mode, q):
    if len(q) < 12:
        return None
    qid, flags = struct.unpack("!HH", q[:4])
    end = question_end(q)
    if end is None or end > len(q):
        return None
    question = q[12:end]
    rd = flags & 0x0100
    if mode == "refuse":
        return struct.pack("!HHHHHH", qid, 0x8000 | rd | 5, 1, 0, 0, 0) + question
    if mode == "servfail":
        return struct.pack("!HHHHHH", qid, 0x8000 | rd | 2, 1, 0, 0, 0) + question
    if mode == "lame":
        # The referral: the zone's apex (the question's last two labels)
        # NS ns.elsewhere.invalid.
        labels = []
        i = 12
        while q[i] != 0:
            labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
            i += 1 + q[i]
        zone = ".".join(labels[-2:]) if len(labels) >= 2 else "."
        target = encode_name("ns.elsewhere.invalid")
        rr = (encode_name(zone) + struct.pack("!HHIH", 2, 1, 3600, len(target)) +
              target)
        return struct.pack("!HHHHHH", qid, 0x8000 | rd, 1, 0, 1, 0) + question + rr
    return None


def serve(mode, sock, log):
    while True:
        q, peer = sock.recvfrom(4096)
        log.write("%s: query from %s:%d\n" % (mode, peer[0], peer[1]))
        log.flush()
        a = answer(mode, q)
        if a is not None:
            sock.sendto(a, peer)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("modes", nargs="+", choices=["refuse", "servfail", "silent", "lame"])
    args = ap.parse_args()
    log = open(args.log, "a") if args.log else sys.stderr
    lines = []
    threads = []
    for mode in args.modes:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        lines.append("%s %d\n" % (mode, s.getsockname()[1]))
        t = threading.Thread(target=serve, args=(mode, s, log), daemon=True)
        threads.append(t)
    for t in threads:
        t.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.writelines(lines)
    os.rename(args.port_file + ".tmp", args.port_file)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
