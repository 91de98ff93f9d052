#!/bin/bash
# 061-dns-cert.sh: a wildcard + apex certificate (example.test,
# *.example.test) in one ACME order through DNS-01: Pebble validates against
# pebble-challtestsrv's DNS, where the Dynadot test double publishes its zone
# 2 s after each change, so bootstack must wait for propagation.
#
# Both TXT values go in with one set_dns2 and out with one more; the
# operator's records survive; nginx serves the certificate for
# anything.example.test; a propagation timeout leaves the order unsent to
# validation and the next run resumes it; a provider failure while adding
# the TXT values fails the run cleanly; the API key appears nowhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dns-lib.sh"

command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null ||
    fail "pebble not installed (Debian package pebble; ./stack deps)"

bash "$BS_TOP_SRCDIR/tests/e2e/pebble.sh" start "$T/pebble" "$(free_port)" \
    PEBBLE_AUTHZREUSE=0 >"$T/pebble-start.log" 2>&1 || fail "pebble.sh start failed"
at_exit 'bash "$BS_TOP_SRCDIR/tests/e2e/pebble.sh" stop "$T/pebble"'
. "$T/pebble/pebble.env"
[ -n "${PEBBLE_CTS_URL:-}" ] && [ -n "${PEBBLE_DNS:-}" ] || fail "pebble.env lacks the DNS facts"
double_start "$PEBBLE_CTS_URL" 2

STATE=$T/acme
LIVE=$STATE/live/wild
# $1: the [dns] propagation_timeout.
write_conf() {
	cat >"$BS_CONF" <<CONF
[acme]
directory_url = $PEBBLE_DIR_URL
email = ops@example.test
agree_tos = yes
ca_bundle = $PEBBLE_TLS_CA
state_dir = $STATE
poll_timeout = 30

[cert wild]
names = example.test *.example.test
challenge = dns-01
test_command =
reload_command =

[dns]
zone = example.test
nameservers = $PEBBLE_DNS
propagation_timeout = $1
propagation_interval = 1
query_timeout = 1
snapshot_dir = $T/dns

$(dynadot_section 5 1)
CONF
}
write_conf 20

serial() { openssl x509 -in "$LIVE/cert.pem" -noout -serial | cut -d= -f2; }

# The operator's zone: mail, SPF, a CNAME, a forward, the web server.
double_ctl zone '{"domain":"example.test","ttl":600,
 "main":[["a","192.0.2.80"],["mx","mail.example.test","10"],["txt","v=spf1 mx -all"]],
 "sub":[["www","cname","example.test"],["mail","a","192.0.2.25"],
        ["go","forward","https://example.org/","1"]]}' >/dev/null || fail "cannot seed the double"
double_ctl flush '{}' >/dev/null
zone_dump >"$T/zone.seed"

# --- issuance: one order, two TXT values on one name, one write each way --------
calls_reset
bs cert renew
[ "$rc" = 0 ] || fail "DNS-01 issuance exited $rc: $err"
echo "$out" | grep -q "^wild: renewed (files missing): serial " || fail "issuance printed: $out"
openssl x509 -in "$LIVE/cert.pem" -noout -ext subjectAltName >"$T/san.txt"
grep -q "DNS:example.test, DNS:\*.example.test" "$T/san.txt" || fail "names: $(cat "$T/san.txt")"
[ "$(set_dns2_calls)" = 2 ] || fail "$(set_dns2_calls) set_dns2 calls, want 2 (add all, remove all)"
double_ctl calls | python3 -c '
import json, sys, urllib.parse
c = [x for x in json.load(sys.stdin) if x["command"] == "set_dns2"]
q = dict(urllib.parse.parse_qsl(c[0]["params"]))
txt = [q["sub_record%s" % k[len("subdomain"):]] for k in q
       if k.startswith("subdomain") and q[k] == "_acme-challenge"]
sys.exit(0 if len(txt) == 2 and txt[0] != txt[1] else 1)' ||
    fail "the first write did not carry both TXT values"
grep -q "waiting for 1 of 1 nameserver" "$T/run-$n.err" || fail "the run did not wait for propagation"
zone_dump | cmp -s - "$T/zone.seed" ||
    fail "the zone after DNS-01 differs from the operator's: $(zone_dump | diff "$T/zone.seed" -)"
[ ! -e "$T/dns/example.test.acme.json" ] || fail "the DNS-01 journal was left behind"
[ ! -e "$STATE/wild.order.json" ] || fail "order state left after success"

# --- nginx serves it for any name under the wildcard ---------------------------
TLS_PORT=$(free_port)
mkdir -p "$T/nginx"
cat >"$T/nginx/site.conf" <<NGINX
server {
	listen 127.0.0.1:$TLS_PORT ssl;
	server_name example.test *.example.test;
	ssl_certificate $LIVE/fullchain.pem;
	ssl_certificate_key $LIVE/privkey.pem;
	location / { default_type text/plain; return 200 "hello \$host\n"; }
}
NGINX
nginx_main_conf "$T/nginx/nginx.conf" "$T/nginx/site.conf"
nginx -c "$T/nginx/nginx.conf" -e "$T/nginx-error.log" || fail "nginx did not start"
at_exit 'kill -QUIT $(cat $T/nginx/nginx.pid)'
wait_for 50 curl -sk -o /dev/null "https://127.0.0.1:$TLS_PORT/" || fail "nginx not answering"
for h in anything.example.test example.test; do
	body=$(curl -sS --cacert "$PEBBLE_ROOT" --resolve "$h:$TLS_PORT:127.0.0.1" \
	    "https://$h:$TLS_PORT/" 2>"$T/curl.err") || fail "$h: $(cat "$T/curl.err")"
	[ "$body" = "hello $h" ] || fail "$h answered: $body"
done

# --- a propagation timeout: nothing sent to validation, the next run resumes ---
S1=$(serial)
write_conf 3
double_ctl delay '{"seconds":60}' >/dev/null
bs cert renew --force
[ "$rc" = 1 ] || fail "a propagation timeout exited $rc: $out"
echo "$err" | grep -q "^bootstack cert: wild: dns-01 challenges of order .*: example.test: not visible after 3 s on 1 of 1 nameserver: $PEBBLE_DNS: _acme-challenge.example.test txt: wants \"" ||
    fail "a propagation timeout said: $err"
[ -e "$STATE/wild.order.json" ] || fail "the pending order was not kept"
[ "$(serial)" = "$S1" ] || fail "the certificate changed"
zone_dump | cmp -s - "$T/zone.seed" || fail "the TXT values were not removed after the timeout"
double_ctl delay '{"seconds":2}' >/dev/null
double_ctl flush '{}' >/dev/null
write_conf 20
bs cert renew
[ "$rc" = 0 ] || fail "the run after a timeout exited $rc: $err"
echo "$out" | grep -q "^wild: renewed (resuming a pending order): serial " ||
    fail "the order was not resumed (was it sent to validation?): $out"
grep -q "resuming order" "$T/run-$n.err" || fail "no resume in the log"
[ "$(serial)" != "$S1" ] || fail "the resumed order did not install"
zone_dump | cmp -s - "$T/zone.seed" || fail "the zone after the resume: $(zone_dump | diff "$T/zone.seed" -)"

# --- the provider fails while adding the TXT values: clean failure ----------------
S2=$(serial)
# (busy by its Status, system_busy: retried, then given up)
double_ctl fault '{"command":"set_dns2","mode":"busy","count":5}' >/dev/null
bs cert renew --force
[ "$rc" = 1 ] || fail "a provider failure exited $rc"
echo "$err" | grep -q "^bootstack cert: wild: dns-01 challenges of order .*: example.test: dynadot set_dns2 example.test: Dynadot says: status system_busy, code -1 (Dynadot is busy: .*) (gave up after retries); nothing was changed" ||
    fail "a provider failure said: $err"
[ "$(serial)" = "$S2" ] || fail "the certificate changed after a provider failure"
zone_dump | cmp -s - "$T/zone.seed" || fail "a provider failure changed the zone"

leaks=$(key_leaks)
[ -z "$leaks" ] || fail "the API key appears in: $leaks"
pass
