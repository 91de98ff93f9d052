#!/usr/bin/env bash
# 071-report-dashboard: the /ops/ dashboard in a real browser. Requests
# through the production nginx configuration (two hosts, task ids, a 404),
# `bootstack report`, a user made by `bootstack nginx password`; then
# Debian's Chromium, headless, driven over the DevTools protocol on a pipe
# (tests/e2e/cdp.py), opens https://api.bootstack.test:PORT/ops/ with basic
# authentication at 1366x768 and 1920x1080 and, in each of the page's
# three windows (hour, day, week), checks from the DOM: every panel there
# (tiles, the three charts, routes, problems), GET /v1/tasks/{id} one row
# of the routes table and no raw /v1/tasks/12 row, no cell past the
# viewport or clipped, no table wider than its box, no horizontal scroll;
# and for the whole visit: no console message, exception or failed load,
# no request to any host but the stack's. The screenshots are kept in
# $BS_TOP_BUILDDIR/tests/e2e/artifacts/071/ (the paths are printed).
# GoAccess's page (goaccess.html) has its panels with status codes first,
# no referrer or keyphrase panels, honest tiles and a link back. Live mode:
# `bootstack report --live` runs GoAccess in real time; /ops/ws through
# nginx answers the WebSocket handshake (101, the route templates in its
# first frame) with the password and this origin only (401, 403), and
# live.html in Chromium opens it and gets frames; SIGTERM stops it, exit
# 0. Without credentials: 401, and no report.
#
# Trust without --ignore-certificate-errors: Chromium on Linux reads its CA
# store from the NSS database $HOME/.pki/nssdb, so HOME points at a new
# folder whose database (certutil, Debian libnss3-tools) trusts only the
# test's private CA. Names: --host-resolver-rules maps the test's name to
# 127.0.0.1 and every other name to nothing, so the browser reaches nothing
# but loopback (background networking, sync and updates are off as well).
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium) || { echo "# chromium not installed: skipped"; pass; }
command -v certutil >/dev/null || { echo "# certutil (libnss3-tools) not installed: skipped"; pass; }
command -v goaccess >/dev/null || fail "goaccess is not installed"

nginx_tls_prepare "rate = 1000
burst = 1000
anon_rate = 1000
anon_burst = 1000"
LIVE_PORT=$(free_port)
{
	api_config "request_timeout = 2
log_file = $T/api-events.log"
	printf '[database]\nhost = %s/nopg\nconnect_timeout = 1\n\n' "$T"
	printf '%s\n\n' "$NGINX_TLS_INI"
	printf '[report]\nstate_dir = %s/report\nlive_port = %s\n' "$T" "$LIVE_PORT"
} >"$BS_CONF"
api_start
nginx_tls_start
P=$NGINX_HTTPS_PORT

# Traffic: requests on api (2xx, 4xx, three task ids), on www, health checks.
n_api=0
n_www=0
for i in 1 2 3 4; do
	tls_curl -o /dev/null "https://api.bootstack.test:$P/version" && n_api=$((n_api + 1))
done
for i in 1 2 3; do
	tls_curl -o /dev/null "https://api.bootstack.test:$P/nope-$i" && n_api=$((n_api + 1))
	tls_curl -o /dev/null "https://api.bootstack.test:$P/v1/tasks/1$i" && n_api=$((n_api + 1))
	tls_curl -o /dev/null "https://www.bootstack.test:$P/v1/tasks" && n_www=$((n_www + 1))
	tls_curl -o /dev/null "https://www.bootstack.test:$P/healthz"
done
wait_for 20 grep -q "\"msg\":\"problem\"" "$T/api-events.log" || fail "the API logged no problem event"
"$BS_BIN" report >"$T/report.out" 2>&1 || fail "report: $(cat "$T/report.out")"

printf 'correct horse battery\n' | "$BS_BIN" nginx password --user ops 2>"$T/pw.log" \
    || fail "nginx password: $(cat "$T/pw.log")"
base="https://api.bootstack.test:$P"
mode=$(stat -c %a "$T/htpasswd")
[ "${mode: -1}" = 0 ] || fail "the htpasswd file is readable by others ($mode)"

# Without credentials: 401 (curl, then the browser).
[ "$(tls_status /ops/)" = 401 ] || fail "/ops/ without credentials"
[ "$(tls_status /ops/hosts/api.bootstack.test.json)" = 401 ] \
    || fail "a report without credentials"

mkdir -p "$T/chrome-home/.pki/nssdb"
certutil -d "sql:$T/chrome-home/.pki/nssdb" -N --empty-password >"$T/certutil.log" 2>&1 \
    || fail "certutil -N: $(cat "$T/certutil.log")"
certutil -d "sql:$T/chrome-home/.pki/nssdb" -A -n "bootstack e2e CA" -t "C,," \
    -i "$BS_CA" >>"$T/certutil.log" 2>&1 || fail "certutil -A: $(cat "$T/certutil.log")"

ART=$BS_TOP_BUILDDIR/tests/e2e/artifacts/071
mkdir -p "$ART"
PASSWORD='correct horse battery'

# cdp PAGE...: one Chromium visits the pages (cdp.py); results in
# $T/NAME.json, one line per size.
cdp() {
	rm -rf "$T/chrome-profile"
	mkdir "$T/chrome-profile"
	HOME=$T/chrome-home CDP_STDERR=$T/chromium.err timeout 180 \
	    python3 "$BS_TOP_SRCDIR/tests/e2e/cdp.py" "$@" -- "$CHROMIUM" \
	    --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-proxy-server --user-data-dir="$T/chrome-profile" \
	    --host-resolver-rules="MAP api.bootstack.test 127.0.0.1, MAP * ~NOTFOUND" \
	    about:blank >"$T/cdp.out" 2>"$T/cdp.log" \
	    || fail "cdp.py: $(tail -n 3 "$T/cdp.log") $(tail -n 3 "$T/chromium.err")"
	python3 - "$T" <<'PY'
import json, sys
out = {}
for line in open(sys.argv[1] + "/cdp.out"):
    r = json.loads(line)
    out.setdefault(r["name"], []).append(line)
for name, lines in out.items():
    open("%s/%s.json" % (sys.argv[1], name), "w").writelines(lines)
PY
}

# What the overview's DOM says, in the window shown.
OVERVIEW_JS='(function () {
	var vw = document.documentElement.clientWidth, i, j, W;
	var shown = Array.prototype.filter.call(document.querySelectorAll("section.win"),
	    function (e) { return e.offsetParent !== null; });
	var w = shown.length === 1 ? shown[0].id.slice(4) : null;
	var need = ["tiles-", "chart-traffic-", "chart-errors-", "chart-p95-", "routes-", "problems-"];
	var missing = [];
	["hour", "day", "week"].forEach(function (W) {
		need.forEach(function (n) { if (!document.getElementById(n + W)) missing.push(n + W); });
	});
	["nav", "goaccess"].forEach(function (id) { if (!document.getElementById(id)) missing.push(id); });
	var cut = [];
	if (w) shown[0].querySelectorAll("table").forEach(function (t) {
		if (t.scrollWidth > t.parentElement.clientWidth + 1)
			cut.push(t.id + " is wider than its box");
		t.querySelectorAll("th, td").forEach(function (c) {
			var r = c.getBoundingClientRect();
			if (r.right > vw + 0.5 || r.left < -0.5)
				cut.push(t.id + ": \"" + c.textContent.slice(0, 40) + "\" at " + r.left + ".." + r.right);
			if (c.scrollWidth > c.clientWidth + 1)
				cut.push(t.id + ": \"" + c.textContent.slice(0, 40) + "\" clipped");
		});
	});
	var rows = w ? Array.prototype.map.call(document.querySelectorAll("#routes-" + w + " tbody tr"),
	    function (tr) { return tr.cells[0].textContent; }) : [];
	var probs = w ? document.querySelectorAll("#problems-" + w + " tbody tr").length : 0;
	var ext = Array.prototype.map.call(document.querySelectorAll("[src], [href]"),
	    function (e) { return e.getAttribute("src") || e.getAttribute("href"); })
	    .filter(function (u) { return /^[a-z][a-z0-9+.-]*:/i.test(u) && !/^data:/.test(u) || /^\/\//.test(u); });
	return {window: w, missing: missing, cut: cut, rows: rows, problems: probs,
	    bars: w ? shown[0].querySelectorAll("#chart-traffic-" + w + " rect").length : 0,
	    scroll: document.documentElement.scrollWidth > vw, external: ext,
	    scripts: document.scripts.length};
})()'

# Live mode: `bootstack report --live` (GoAccess in real time) behind
# nginx's /ops/ws, same users, same origin.
"$BS_BIN" report --live >"$T/live.log" 2>&1 &
LIVE_PID=$!
at_exit 'kill $LIVE_PID 2>/dev/null; wait $LIVE_PID 2>/dev/null'
wait_for 100 test -s "$T/www/ops/live.html" || fail "report --live wrote no live.html: $(cat "$T/live.log")"
wait_for 100 curl -s -o /dev/null "http://127.0.0.1:$LIVE_PORT/" \
    || fail "report --live: GoAccess does not listen on $LIVE_PORT: $(cat "$T/report/goaccess-live.log")"
# ws ARGS: the status of a WebSocket handshake on /ops/ws through nginx
ws() {
	tls_curl --http1.1 -o "$T/ws.out" -w '%{http_code}' --max-time 3 \
	    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$@" "$base/ops/ws"
}
[ "$(ws -u "ops:$PASSWORD" -H "Origin: $base")" = 101 ] || fail "/ops/ws: no WebSocket ($(cat "$T/ws.out"))"
grep -aqF '\/v1\/tasks\/{id}' "$T/ws.out" || fail "the live data lacks the route template: $(head -c 300 "$T/ws.out")"
[ "$(ws -H "Origin: $base")" = 401 ] || fail "/ops/ws without credentials"
[ "$(ws -u "ops:$PASSWORD" -H 'Origin: https://evil.test')" = 403 ] || fail "/ops/ws from another origin"
[ "$(ws -u "ops:$PASSWORD")" = 403 ] || fail "/ops/ws without an Origin"
echo "# live: WebSocket 101 with the password and this origin, 401 without, 403 from another origin"

# GoAccess's page: its panels, tiles and rows.
GOACCESS_JS='(function () {
	var ids = Array.prototype.map.call(document.querySelectorAll("[id^=panel-]"),
	    function (e) { return e.id.slice(6); });
	var t = document.body.innerText;
	var vw = document.documentElement.clientWidth;
	return {panels: ids, back: !!document.getElementById("bootstack-overview"),
	    routes: t.indexOf("/v1/tasks/{id}") >= 0, raw: t.indexOf("/v1/tasks/11") >= 0,
	    tiles: ["Log Size", "Failed Requests", "Valid Requests", "Log Parsing Time"]
	        .filter(function (x) { return t.indexOf(x) >= 0; }),
	    unparsed: t.indexOf("Unparsed lines") >= 0,
	    scroll: document.documentElement.scrollWidth > vw};
})()'

cdp --page overview "$base/ops/" --auth "ops:$PASSWORD" --size 1366x768 --size 1920x1080 \
    --shot "$ART/ops" --click 'label[for=w-day]' --click 'label[for=w-week]' \
    --eval "$OVERVIEW_JS" \
    --page host "$base/ops/hosts/www.bootstack.test/" --auth "ops:$PASSWORD" --eval "$OVERVIEW_JS" \
    --page goaccess "$base/ops/goaccess.html" --auth "ops:$PASSWORD" --shot "$ART/goaccess" \
    --eval "$GOACCESS_JS" \
    --page live "$base/ops/live.html" --auth "ops:$PASSWORD" --wait 2 --eval "$GOACCESS_JS" \
    --page anon "$base/ops/" --eval 'document.getElementById("routes-hour") !== null'
python3 - "$T/overview.json" <<'PY' || fail "the overview in Chromium: $(cat "$T/overview.json")"
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    # no console output, exception or failed load; only the stack's host
    assert not r["console"] and not r["exceptions"] and not r["failed"], r
    assert not [l for l in r["log"] if l["level"] in ("error", "warning")], r["log"]
    assert r["requests"] and all(u.startswith("https://api.bootstack.test:") for u in r["requests"]), r["requests"]
    assert r["statuses"] == [200] * len(r["statuses"]), r["statuses"]
    assert [s["window"] for s in r["steps"]] == ["hour", "day", "week"], r["steps"]
    for s in r["steps"]:
        assert not s["missing"] and not s["cut"] and not s["scroll"], (r["size"], s)
        assert not s["external"] and s["scripts"] == 0, s
        assert s["rows"].count("GET /v1/tasks/{id}") == 1, s["rows"]
        assert not [x for x in s["rows"] if "/v1/tasks/1" in x], s["rows"]
        assert "(no route)" in s["rows"] and "GET /version" in s["rows"], s["rows"]
        assert s["bars"] > 0 and s["problems"] >= 2, s
    print("# %s: %d steps, %d requests, screenshot %s" % (r["size"], len(r["steps"]),
          len(r["requests"]), r["shot"]))
    n += 1
assert n == 2, n
PY

# A host's overview: its own figures.
python3 - "$T/host.json" <<'PY' || fail "the host page in Chromium: $(cat "$T/host.json")"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
s = r["steps"][0]
assert not r["console"] and not r["exceptions"] and not r["failed"], r
assert s["rows"] == ["GET /v1/tasks"] and not s["missing"] and not s["cut"], s
PY

# GoAccess's page, arranged for an API.
python3 - "$T/goaccess.json" <<'PY' || fail "GoAccess's page in Chromium: $(cat "$T/goaccess.json")"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
s = r["steps"][0]
assert not r["exceptions"] and not r["failed"], r
assert all(u.startswith("https://api.bootstack.test:") or u.startswith("data:") for u in r["requests"]), r["requests"]
p = s["panels"]
assert p and p[0] == "status_codes", p
for gone in ("referrers", "referring_sites", "keyphrases", "static_requests"):
    assert gone not in p, p
for there in ("requests", "not_found", "hosts", "vhosts"):
    assert there in p, p
assert s["back"] and s["routes"] and not s["raw"], s
assert not s["tiles"] and s["unparsed"] and not s["scroll"], s
print("# GoAccess: panels %s; screenshot %s" % (" ".join(p), r["shot"]))
PY

# The live page: GoAccess over the WebSocket, arranged the same way.
python3 - "$T/live.json" <<'PY' || fail "live.html in Chromium: $(cat "$T/live.json")"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
s = r["steps"][0]
assert not r["exceptions"] and not r["failed"], r
assert len(r["websockets"]) == 1 and r["websockets"][0].endswith("/ops/ws"), r["websockets"]
assert r["ws_status"] == [101] and r["ws_frames"] >= 1, r
assert s["panels"][0] == "status_codes" and s["routes"], s
print("# live.html: WebSocket %s, %d frames" % (r["websockets"][0], r["ws_frames"]))
PY
kill -TERM $LIVE_PID
wait $LIVE_PID || fail "report --live did not stop cleanly on SIGTERM: $(cat "$T/live.log")"

# Without credentials: 401, and Chromium shows no report.
python3 - "$T/anon.json" <<'PY' || fail "the browser without credentials: $(cat "$T/anon.json")"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["statuses"][:1] == [401] and r["steps"] == [False], r
PY
pass
