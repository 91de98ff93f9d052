#!/usr/bin/env python3
"""cdp.py: drives headless Chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe: commands on fd 3, answers on fd 4, each a JSON
text ended by a NUL byte), so a test needs no WebSocket client, no npm
package and no browser download: Debian's chromium and Python's stdlib.

    cdp.py PAGE... -- CHROMIUM ARGS...
    PAGE: --page NAME URL [--auth USER:PASSWORD] [--size WxH ...]
          [--shot PREFIX] [--click SELECTOR ...] [--eval JS] [--wait SECONDS]

One Chromium visits every PAGE in turn (a new tab each, at each size,
default 1366x768), with basic authentication sent as a header, waits for
the load event (and --wait, 0.3 s, more for scripts), evaluates JS (an expression
whose value is JSON-able), then for each --click (a label, a tab) clicks it
and evaluates JS again. Prints one JSON object per page and size: its
name, the URLs requested, the statuses, console messages, exceptions and
failed loads, the WebSockets opened (their handshake statuses, frames
received), each evaluation, and the screenshot written to
PREFIX-WxH.png (of the first step). Exit 0 unless Chromium could not be
driven; the caller judges the results.
"""
import base64
import json
import os
import select
import signal
import subprocess
import sys
import time


class Chromium:
    def __init__(self, argv):
        self.r_cmd, self.w_cmd = os.pipe()     # ours -> chromium fd 3
        self.r_out, self.w_out = os.pipe()     # chromium fd 4 -> ours

        def child():
            os.dup2(self.r_cmd, 3)
            os.dup2(self.w_out, 4)
        self.proc = subprocess.Popen(argv + ["--remote-debugging-pipe"],
                                     pass_fds=(3, 4), preexec_fn=child,
                                     start_new_session=True,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.environ.get("CDP_STDERR", os.devnull), "w"))
        os.close(self.r_cmd)
        os.close(self.w_out)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            r, _, _ = select.select([self.r_out], [], [], left)
            if r:
                chunk = os.read(self.r_out, 1 << 16)
                if not chunk:
                    raise EOFError("Chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        m = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.w_cmd, json.dumps(m).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            msg = self._read(deadline)
            if msg.get("method") == method:
                return msg
            self.events.append(msg)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # its helpers (zygote, utility processes) are in its process group
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(pages, argv):
    out = []
    c = Chromium(argv)
    try:
        for opts, size in [(p, z) for p in pages for z in p["sizes"]]:
            url = opts["url"]
            w, h = (int(x) for x in size.split("x"))
            tid = c.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            sid = c.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
            for dom in ("Network", "Page", "Runtime", "Log"):
                c.send(dom + ".enable", session=sid)
            if opts["auth"]:
                c.send("Network.setExtraHTTPHeaders", {"headers": {
                    "Authorization": "Basic " + base64.b64encode(opts["auth"].encode()).decode()}},
                    session=sid)
            c.send("Emulation.setDeviceMetricsOverride", {"width": w, "height": h,
                   "deviceScaleFactor": 1, "mobile": False}, session=sid)
            c.events.clear()
            c.send("Page.navigate", {"url": url}, session=sid)
            c.wait_event("Page.loadEventFired")
            c.drain(opts["wait"])
            res = {"name": opts["name"], "size": size, "steps": []}
            if opts["eval"]:
                res["steps"].append(c.send("Runtime.evaluate", {"expression": opts["eval"],
                                    "returnByValue": True}, session=sid)["result"].get("value"))
            if opts["shot"]:
                png = c.send("Page.captureScreenshot", {"format": "png"}, session=sid)["data"]
                res["shot"] = "%s-%s.png" % (opts["shot"], size)
                with open(res["shot"], "wb") as f:
                    f.write(base64.b64decode(png))
            for sel in opts["clicks"]:
                c.send("Runtime.evaluate", {"expression": "document.querySelector(%s).click()"
                                            % json.dumps(sel)}, session=sid)
                c.drain(0.2)
                if opts["eval"]:
                    res["steps"].append(c.send("Runtime.evaluate", {"expression": opts["eval"],
                                        "returnByValue": True}, session=sid)["result"].get("value"))
            c.drain(0.2)
            ev = [e for e in c.events if e.get("sessionId") == sid]
            res["requests"] = [e["params"]["request"]["url"] for e in ev
                               if e["method"] == "Network.requestWillBeSent"]
            res["console"] = [{"type": e["params"]["type"],
                               "text": " ".join(str(a.get("value", a.get("description", "")))
                                                for a in e["params"]["args"])}
                              for e in ev if e["method"] == "Runtime.consoleAPICalled"]
            res["exceptions"] = [e["params"]["exceptionDetails"].get("text", "") + " " +
                                 str(e["params"]["exceptionDetails"].get("exception", {}).get("description", ""))
                                 for e in ev if e["method"] == "Runtime.exceptionThrown"]
            res["log"] = [{"level": e["params"]["entry"]["level"], "text": e["params"]["entry"]["text"],
                           "url": e["params"]["entry"].get("url", "")}
                          for e in ev if e["method"] == "Log.entryAdded"]
            res["failed"] = [e["params"].get("errorText", "") for e in ev
                             if e["method"] == "Network.loadingFailed"]
            res["statuses"] = [e["params"]["response"]["status"] for e in ev
                               if e["method"] == "Network.responseReceived"]
            res["websockets"] = [e["params"]["url"] for e in ev
                                 if e["method"] == "Network.webSocketCreated"]
            res["ws_status"] = [e["params"]["response"]["status"] for e in ev
                                if e["method"] == "Network.webSocketHandshakeResponseReceived"]
            res["ws_frames"] = sum(1 for e in ev if e["method"] == "Network.webSocketFrameReceived")
            out.append(res)
            c.send("Target.closeTarget", {"targetId": tid})
            c.events.clear()
    finally:
        c.close()
    return out


def main():
    args = sys.argv[1:]
    pages = []
    while args and args[0] != "--":
        k = args.pop(0)
        if k == "--page":
            pages.append({"name": args.pop(0), "url": args.pop(0), "auth": None,
                          "sizes": [], "shot": None, "clicks": [], "eval": None,
                          "wait": 0.3})
            continue
        if not pages or not args:
            sys.exit("cdp.py: --page NAME URL first, then its options")
        v = args.pop(0)
        if k == "--auth":
            pages[-1]["auth"] = v
        elif k == "--size":
            pages[-1]["sizes"].append(v)
        elif k == "--shot":
            pages[-1]["shot"] = v
        elif k == "--click":
            pages[-1]["clicks"].append(v)
        elif k == "--eval":
            pages[-1]["eval"] = v
        elif k == "--wait":
            pages[-1]["wait"] = float(v)
        else:
            sys.exit("cdp.py: unknown option " + k)
    if not pages or not args or args.pop(0) != "--":
        sys.exit("cdp.py: PAGE... -- CHROMIUM ARGS...")
    for p in pages:
        p["sizes"] = p["sizes"] or ["1366x768"]
    for r in run(pages, args):
        print(json.dumps(r))


if __name__ == "__main__":
    main()
