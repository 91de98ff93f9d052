#!/usr/bin/env bash
# 071-report-dashboard: the /ops/ dashboard in a real browser. Requests
# through the production nginx configuration (two hosts), `bootstack
# report`, a user made by `bootstack nginx password`; then Debian's
# Chromium, headless, opens https://ops:PASSWORD@api.bootstack.test:PORT/ops/
# and the DOM it renders (--dump-dom, after GoAccess's script ran) holds the
# report's panels and the total that was sent, for all hosts and for one
# host's page. Without credentials: 401, and no report.
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
burst = 1000"
{
	api_config "request_timeout = 2"
	printf '[database]\nhost = %s/nopg\nconnect_timeout = 1\n\n' "$T"
	printf '%s\n\n' "$NGINX_TLS_INI"
	printf '[report]\nstate_dir = %s/report\n' "$T"
} >"$BS_CONF"
api_start
nginx_tls_start
P=$NGINX_HTTPS_PORT

# Traffic: 7 requests on api (2xx, 4xx), 3 on www, health checks left out.
n_api=0
n_www=0
for i in 1 2 3 4; do
	tls_curl -o /dev/null "https://api.bootstack.test:$P/version" && n_api=$((n_api + 1))
done
for i in 1 2 3; do
	tls_curl -o /dev/null "https://api.bootstack.test:$P/nope-$i" && n_api=$((n_api + 1))
	tls_curl -o /dev/null "https://www.bootstack.test:$P/v1/tasks" && n_www=$((n_www + 1))
	tls_curl -o /dev/null "https://www.bootstack.test:$P/healthz"
done
"$BS_BIN" report >"$T/report.out" 2>&1 || fail "report: $(cat "$T/report.out")"

printf 'correct horse battery\n' | "$BS_BIN" nginx password --user ops 2>"$T/pw.log" \
    || fail "nginx password: $(cat "$T/pw.log")"
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

# browse NAME URL: Chromium's rendered DOM of URL into $T/NAME.html.
browse() {
	rm -rf "$T/chrome-profile"
	mkdir "$T/chrome-profile"
	HOME=$T/chrome-home timeout 60 "$CHROMIUM" --headless --no-sandbox \
	    --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-proxy-server --user-data-dir="$T/chrome-profile" \
	    --host-resolver-rules="MAP api.bootstack.test 127.0.0.1, MAP * ~NOTFOUND" \
	    --dump-dom "$2" >"$T/$1.html" 2>"$T/chromium-$1.err" \
	    || fail "chromium on $2: exit $? $(tail -n 3 "$T/chromium-$1.err")"
}

# dom FILE TOTAL: the rendered GoAccess panels, and TOTAL requests.
dom() {
	python3 - "$@" <<'PY'
import re, sys
d = open(sys.argv[1]).read()
want = int(sys.argv[2])
for panel in ("visitors", "requests", "not_found", "hosts", "status_codes",
              "vhosts", "os", "browsers"):
    assert 'id="panel-%s"' % panel in d, "no panel %s" % panel
m = re.search(r'<h3 id="total_requests"[^>]*>([^<]*)</h3>', d)
assert m, "no total in the DOM"
got = int(m.group(1).replace(",", ""))
assert got == want, "total %d, want %d" % (got, want)
PY
}

base="https://api.bootstack.test:$P"
browse all "https://ops:correct%20horse%20battery@api.bootstack.test:$P/ops/"
dom "$T/all.html" $((n_api + n_www)) || fail "all hosts: the DOM lacks the report"
browse api "https://ops:correct%20horse%20battery@api.bootstack.test:$P/ops/hosts/api.bootstack.test.html"
dom "$T/api.html" "$n_api" || fail "api host: the DOM lacks the report"
# Headless Chromium answers a challenge it has no credentials for by
# giving up (ERR_INVALID_AUTH_CREDENTIALS): no page, and nginx logged 401.
browse anon "$base/ops/"
grep -q 'id="total_requests"' "$T/anon.html" && fail "the report without credentials"
tail -n 1 "$T/nginx-access.log" | grep -q '"GET /ops/ HTTP/[0-9.]*" 401 .*HeadlessChrome' \
    || fail "the browser without credentials was not refused: $(tail -n 1 "$T/nginx-access.log")"
pass
