#!/bin/bash
# 055-cert-profile.sh: ACME profiles (draft-ietf-acme-profiles) and the
# renewal of six-day certificates, against tests/e2e/acme-server.py
# (Debian's Pebble 2.4 offers no profiles), through nginx's webroot.
#
# First the server itself: a POST that is no JWS, a stale nonce, a wrong
# "url" header and a bad signature get the problem types of RFC 8555 6.
# [cert www] profile = shortlived: the newOrder carries it, the
# certificate lives 160 hours, and with the CA's ARI turned off the
# renewal falls at half of that: the server starts certificates in the
# past (its "backdate") to look at one later in its life, ten minutes
# before that point (not due, the date printed) and a minute after it
# (due, "less than half of its lifetime left"). With ARI on, the CA's
# window decides, not the half. A profile the directory does not offer
# is a clear error and no order; no profile key, no "profile" sent.
. "$(dirname "$0")/lib.sh"
CERT_CA=acme-server
. "$(dirname "$0")/cert-lib.sh"
DIR=https://127.0.0.1:$ACME_PORT

# --- the server refuses what a CA refuses -------------------------------------
nonce() {
	curl -sI --cacert "$T/pki/ca.pem" "$DIR/nonce" |
	    tr -d '\r' | sed -n 's/^[Rr]eplay-[Nn]once: //p'
}
b64u() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
# post PROTECTED-JSON [CONTENT-TYPE]: the problem type answered.
post() {
	curl -s --cacert "$T/pki/ca.pem" -H "Content-Type: ${2:-application/jose+json}" \
	    --data "{\"protected\":\"$(b64u "$1")\",\"payload\":\"$(b64u '{}')\",\"signature\":\"AAAA\"}" \
	    "$DIR/new-order" | python3 -c 'import json,sys; print(json.load(sys.stdin)["type"])'
}
kid=$DIR/acct/1
[ "$(post '{}' application/json)" = urn:ietf:params:acme:error:malformed ] ||
    fail "a POST that is not application/jose+json was not refused as malformed"
[ "$(post "{\"alg\":\"ES256\",\"kid\":\"$kid\",\"nonce\":\"stale\",\"url\":\"$DIR/new-order\"}")" = \
    urn:ietf:params:acme:error:badNonce ] || fail "a nonce never issued was not badNonce"
[ "$(post "{\"alg\":\"HS256\",\"kid\":\"$kid\",\"nonce\":\"$(nonce)\",\"url\":\"$DIR/new-order\"}")" = \
    urn:ietf:params:acme:error:badSignatureAlgorithm ] || fail "HS256 was not badSignatureAlgorithm"
[ "$(post "{\"alg\":\"ES256\",\"kid\":\"$kid\",\"nonce\":\"$(nonce)\",\"url\":\"$DIR/new-account\"}")" = \
    urn:ietf:params:acme:error:unauthorized ] || fail "a JWS url of another resource was not refused"
refused=4

# --- profile = shortlived, no ARI: 160 hours, renewed at half ------------------
ctl POST /set '{"ari": false}' >/dev/null || fail "control port"
ngx="test_command = $NGX -t -q
reload_command = $NGX -s reload"
cert_config "profile = shortlived
$ngx"
cert_nb() { epoch "$(openssl x509 -in "$LIVE/cert.pem" -noout -startdate | cut -d= -f2)"; }
cert_na() { epoch "$(openssl x509 -in "$LIVE/cert.pem" -noout -enddate | cut -d= -f2)"; }
# The last newOrder the server got: its profile ("-": none) and answer.
last_order() {
	ctl GET /orders | python3 -c 'import json, sys
o = json.load(sys.stdin)[-1]
print(o["payload"].get("profile", "-"), o.get("status"), o.get("error", "-"))'
}

cert renew
[ "$rc" = 0 ] || fail "the shortlived issuance exited $rc: $err"
[ "$(last_order)" = "shortlived 201 -" ] || fail "the order was: $(last_order)"
life=$(( $(cert_na) - $(cert_nb) ))
[ "$life" = $((160 * 3600)) ] || fail "the shortlived certificate lives $life s, not 160 h"
half=$(iso $(( $(cert_nb) + life / 2 )))
cert renew
[ "$rc" = 0 ] || fail "second run exited $rc: $err"
[ "$(renew_from)" = "$half" ] || fail "renewal from '$(renew_from)', not at half ($half): $out"
[ "$(status_field next_renewal)" = "$half" ] || fail "status.json next_renewal $(status_field next_renewal), not $half"
[ "$(status_next)" = "$half" ] || fail "cert status says $(status_next), not $half"

# Ten minutes before half of its life: not due, the point printed.
ctl POST /set "{\"backdate\": $((life / 2 - 600))}" >/dev/null
cert renew --force
[ "$rc" = 0 ] || fail "forced renewal exited $rc: $err"
cert renew
[ "$rc" = 0 ] && [ -n "$(renew_from)" ] || fail "10 min before half: $out $err"
[ "$(renew_from)" = "$(iso $(( $(cert_nb) + life / 2 )))" ] || fail "10 min before half: $out"
# A minute after it: due, and said why.
ctl POST /set "{\"backdate\": $((life / 2 + 60))}" >/dev/null
cert renew --force
[ "$rc" = 0 ] || fail "forced renewal exited $rc: $err"
ctl POST /set '{"backdate": 0}' >/dev/null
S1=$(file_serial)
cert renew
[ "$rc" = 0 ] || fail "renewal past half exited $rc: $err"
echo "$out" | grep -q "^www: renewed (less than half of its lifetime left): serial " ||
    fail "past half of its life: $out"
[ "$(file_serial)" != "$S1" ] || fail "not renewed past half"
shortlived_orders=$(ctl_count newOrder)
[ "$shortlived_orders" = 4 ] || fail "$shortlived_orders orders, want 4"

# --- ARI on: the CA's window, not the half ---------------------------------
start=$(( $(date +%s) + 86400 ))
ctl POST /set "{\"ari\": true, \"window\": {\"start\": \"$(iso $start)\", \"end\": \"$(iso $((start + 3600)))\"}}" >/dev/null
cert renew
[ "$rc" = 0 ] || fail "run with ARI exited $rc: $err"
pick=$(epoch "$(renew_from)") || fail "run with ARI: $out"
[ "$pick" -ge "$start" ] && [ "$pick" -le $((start + 3600)) ] ||
    fail "with ARI the renewal is $(renew_from), outside the CA's window"
[ "$(status_next)" = "$(renew_from)" ] || fail "cert status says $(status_next), renew $(renew_from)"
[ "$(ctl_count renewalInfo)" = 1 ] || fail "renewalInfo asked $(ctl_count renewalInfo) times"

# --- a profile the CA does not offer: an error, no order ---------------------
S2=$(file_serial)
orders=$(ctl_count newOrder)
sed -i 's/^profile = shortlived$/profile = nosuch/' "$BS_CONF"
cert renew --force
[ "$rc" = 1 ] || fail "an unknown profile exited $rc: $out"
echo "$err" | grep -qF "[cert www] profile = nosuch: the CA at $DIR/dir does not offer it (its directory's profiles: classic, tlsserver, shortlived); no order placed" ||
    fail "unknown profile error: $err"
unknown_orders=$(( $(ctl_count newOrder) - orders ))
[ "$unknown_orders" = 0 ] || fail "an unknown profile placed $unknown_orders orders"
[ "$(file_serial)" = "$S2" ] || fail "an unknown profile changed the certificate"
status_field error | grep -qF "profile = nosuch" || fail "status.json error: $(status_field error)"

# --- no profile key: none sent, the CA's default (classic, 90 days) ------------
cert_config "$ngx"
cert renew --force
[ "$rc" = 0 ] || fail "renewal without a profile exited $rc: $err"
[ "$(last_order)" = "- 201 -" ] || fail "without a profile key the order was: $(last_order)"
[ $(( $(cert_na) - $(cert_nb) )) = $((90 * 86400)) ] || fail "the default profile is not 90 days"

validations=$(grep -c 'GET /.well-known/acme-challenge/' "$T/nginx-access.log")
[ "$validations" -ge 6 ] || fail "only $validations http-01 validations reached nginx"
echo "# profiles: bad JWS refused $refused/4; http-01 validations through nginx $validations; shortlived lifetime $((life / 3600)) h, renewal at $((life / 7200)) h (ARI off), in the CA's window with ARI (renewalInfo asked 1); orders $shortlived_orders shortlived, $unknown_orders for an unknown profile"
pass
