#!/bin/bash
# 052-cert-account.sh: the ACME account against real Pebble (RFC 8555 7.3),
# every request counted by fault-proxy.py between bootstack and Pebble.
#
# Before any account, `cert account show` fails and creates nothing. The
# first renew makes one account and caches its URL beside the key
# (account.json); later runs reuse it: still one newAccount in all, and
# without the cache newAccount with onlyReturnExisting finds the same
# account. `cert account update --contact` is visible in the account object
# Pebble returns; a changed [acme] email reaches the CA on the next renew.
# `cert account rollover`: a new key file, the same account URL, renew
# works with it, and Pebble refuses the old key both ways (signed with the
# account URL: an error; as a JWK: no account). A stale KEY.next the CA
# never saw is dropped by the next rollover. A rollover whose answer is
# cut off after Pebble took the new key (fault-proxy.py "cut") asks Pebble
# which key it has and finishes; when that question is lost too, both keys
# stay and the next command (a renew, or the rollover again) asks, keeps
# the new key, makes no second keyChange and no new account.
# `cert account deactivate`
# needs --yes; afterwards Pebble refuses the account: no new order, the
# certificate files untouched.
. "$(dirname "$0")/lib.sh"
CERT_ACME_PROXY=1
# The requests are counted exactly: no nonce refused at random (Pebble
# refuses 5% by default; the badNonce retry has its own unit cases).
export PEBBLE_WFE_NONCEREJECT=0
. "$(dirname "$0")/cert-lib.sh"
cert_config
count() { cat "$T/acme-proxy.log" 2>/dev/null | grep -c "^$1 "; }
# The account object as Pebble returns it (a POST-as-GET, logged).
show_field() { echo "$out" | sed -n "s/^$1: *//p"; }

# --- no account yet: show fails, creates nothing ---------------------------------
cert account show
[ "$rc" = 1 ] || fail "show before any account exited $rc: $out"
[ ! -e "$T/state/account.key" ] || fail "show made an account key"
[ "$(count 'POST /sign-me-up')" = 0 ] || fail "show asked newAccount"

# --- the first renew creates the account, later runs reuse the cache -------------
cert renew
[ "$rc" = 0 ] || fail "first issuance exited $rc: $err"
[ -s "$T/state/account.json" ] || fail "no account URL cache"
[ "$(stat -c %a "$T/state/account.json")" = 600 ] || fail "account.json is not 0600"
URL=$(python3 -c 'import json,sys; print(list(json.load(open(sys.argv[1]))["accounts"].values())[0]["url"])' "$T/state/account.json")
case "$URL" in https://127.0.0.1:*/my-account/*) ;; *) fail "cached URL: $URL";; esac
cert renew --force
[ "$rc" = 0 ] || fail "second issuance exited $rc: $err"
created=$(grep -c '^POST /sign-me-up -> 201' "$T/acme-proxy.log")
asked=$(count 'POST /sign-me-up')
# the first run: onlyReturnExisting (400 accountDoesNotExist), then create
[ "$created" = 1 ] && [ "$asked" = 2 ] || fail "newAccount: $asked requests, $created created (want 2, 1)"
cert account show
[ "$rc" = 0 ] || fail "show exited $rc: $err"
[ "$(show_field account)" = "$URL" ] || fail "show: account $(show_field account), not $URL"
[ "$(show_field status)" = valid ] || fail "show: status $(show_field status)"
[ "$(show_field contact)" = mailto:ops@example.test ] || fail "show: contact $(show_field contact)"
[ "$(count 'POST /sign-me-up')" = 2 ] || fail "show asked newAccount with a cache"

# --- without the cache: onlyReturnExisting finds the same account ---------------
rm "$T/state/account.json"
cert account show
[ "$rc" = 0 ] && [ "$(show_field account)" = "$URL" ] || fail "show without cache: rc $rc, $out $err"
[ "$(count 'POST /sign-me-up')" = 3 ] && [ "$(grep -c '^POST /sign-me-up -> 201' "$T/acme-proxy.log")" = 1 ] ||
    fail "without the cache a second account was made"
[ -s "$T/state/account.json" ] || fail "the cache was not written again"

# --- update: the contact is visible at the CA -----------------------------------
cert account update --contact a@example.test --contact mailto:b@example.test
[ "$rc" = 0 ] || fail "update exited $rc: $err"
echo "$err" | grep -q "note: \[acme\] email = ops@example.test" || fail "update gave no note about [acme] email: $err"
cert account show
[ "$(show_field contact)" = "mailto:a@example.test, mailto:b@example.test" ] ||
    fail "after update Pebble says contact $(show_field contact)"
cert renew
[ "$rc" = 0 ] || fail "renew after update exited $rc: $err"
cert account show
[ "$(show_field contact)" = "mailto:a@example.test, mailto:b@example.test" ] ||
    fail "a renew with an unchanged [acme] email undid the update: $(show_field contact)"
cert account update --contact 'not an address'
[ "$rc" = 1 ] && echo "$err" | grep -q "is not an email address" || fail "a bad contact: rc $rc, $err"
cert account update
[ "$rc" = 2 ] || fail "update without --contact exited $rc"
# [acme] email changed: the next renew tells the CA
sed -i 's/^email = .*/email = new-ops@example.test/' "$BS_CONF"
cert renew --force
[ "$rc" = 0 ] || fail "renew after the email change exited $rc: $err"
cert account show
[ "$(show_field contact)" = mailto:new-ops@example.test ] || fail "the new [acme] email did not reach the CA: $(show_field contact)"
cert account update --no-contact
cert account show
[ "$(show_field contact)" = none ] || fail "--no-contact: $(show_field contact)"

# --- rollover: new key, same account, the old key refused -----------------------
cp "$T/state/account.key" "$T/old.key"
cp "$T/state/account.json" "$T/old.json"
OLD_TP=$(cert account show; show_field key)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/state/account.key.next" 2>/dev/null
cert account rollover
[ "$rc" = 0 ] || fail "rollover exited $rc: $err"
[ ! -e "$T/state/account.key.next" ] || fail "account.key.next left after the rollover"
[ "$(count 'POST /rollover-account-key')" = 1 ] || fail "keyChange requests: $(count 'POST /rollover-account-key')"
cmp -s "$T/old.key" "$T/state/account.key" && fail "the key file did not change"
[ "$(stat -c %a "$T/state/account.key")" = 600 ] || fail "the new account.key is not 0600"
cert account show
[ "$rc" = 0 ] && [ "$(show_field account)" = "$URL" ] || fail "after rollover: rc $rc, $out $err"
[ "$(show_field key)" != "$OLD_TP" ] || fail "the thumbprint did not change"
cert renew --force
[ "$rc" = 0 ] || fail "renew with the new key exited $rc: $err"
# The old key, with the account URL (its cache): Pebble refuses the JWS.
cp "$BS_CONF" "$T/conf.new"
sed -i "s|^state_dir = .*|&\naccount_key = $T/old.key|" "$BS_CONF"
cert account show
[ "$rc" = 1 ] || fail "the old key was accepted: $out"
echo "$err" | grep -q "my-account/.*urn:ietf:params:acme:error:" || fail "the old key (kid): $err"
old_kid_err=$err
# The old key as a JWK (no cache): Pebble has no account for it.
rm "$T/old.json"
cert account show
[ "$rc" = 1 ] && echo "$err" | grep -q "the CA has no account for this key" ||
    fail "the old key (jwk): rc $rc, $err"
cp "$T/conf.new" "$BS_CONF"

# --- rollover cut off after Pebble accepted it: both keys kept, then settled --------
# fault-proxy.py forwards the keyChange, Pebble answers 200, the proxy closes
# bootstack's connection without the answer (libcurl may send the request
# again on a new connection: Pebble refuses that copy, signed by the old
# key). Round 1: the rollover asks Pebble at once and finishes. Rounds 2
# and 3: that question is dropped too, both keys stay, and the next command
# (a renew, the rollover again) settles on the key Pebble took.
created0=$(grep -c '^POST /sign-me-up -> 201' "$T/acme-proxy.log")
took() { grep -c '^POST /rollover-account-key -> \(200\|cut after upstream 200\)' "$T/acme-proxy.log"; }
settled=0
for next_cmd in "" "renew --force" "account rollover"; do
	cp "$T/state/account.key" "$T/pre-cut.key"
	took0=$(took)
	# The proxy counts hits per rule line: a fresh line number each round.
	for i in $(seq 0 $settled); do echo "# round $settled"; done >"$T/acme.rules"
	echo "POST /rollover-account-key cut 1" >>"$T/acme.rules"
	# libcurl sends a request again once when a reused connection dies.
	[ -z "$next_cmd" ] || echo "POST /sign-me-up drop 2" >>"$T/acme.rules"
	cert account rollover
	: >"$T/acme.rules"
	[ "$(took)" = $((took0 + 1)) ] ||
	    fail "Pebble did not take the cut keyChange: $(tail -3 "$T/acme-proxy.log")"
	if [ -z "$next_cmd" ]; then
		[ "$rc" = 0 ] || fail "a rollover whose answer was cut exited $rc: $err"
	else
		[ "$rc" = 1 ] || fail "a rollover cut off twice exited $rc: $out"
		echo "$err" | grep -q "both kept" || fail "the cut rollover said: $err"
		[ -s "$T/state/account.key.next" ] || fail "the new key (account.key.next) was not kept"
		cmp -s "$T/pre-cut.key" "$T/state/account.key" || fail "account.key changed before the CA's answer"
		cp "$T/state/account.key.next" "$T/cut-next.key"
		# The next command finds the account under the new key and keeps it.
		cert $next_cmd
		[ "$rc" = 0 ] || fail "cert $next_cmd after the cut rollover exited $rc: $err"
		cmp -s "$T/cut-next.key" "$T/state/account.key" ||
		    fail "cert $next_cmd did not settle on the key the CA took"
		[ "$(took)" = $((took0 + 1)) ] || fail "cert $next_cmd made another keyChange"
	fi
	[ ! -e "$T/state/account.key.next" ] || fail "account.key.next left (round '$next_cmd')"
	cmp -s "$T/pre-cut.key" "$T/state/account.key" && fail "account.key is still the old key (round '$next_cmd')"
	cert account show
	[ "$rc" = 0 ] && [ "$(show_field account)" = "$URL" ] && [ "$(show_field status)" = valid ] ||
	    fail "after settling: rc $rc, $out $err"
	settled=$((settled + 1))
done
[ "$(grep -c '^POST /sign-me-up -> 201' "$T/acme-proxy.log")" = "$created0" ] ||
    fail "settling the cut rollovers made a new account"
cert renew --force
[ "$rc" = 0 ] || fail "renew after the settled rollovers exited $rc: $err"
resent=$(grep -c '^POST /rollover-account-key -> 400' "$T/acme-proxy.log")

# --- deactivate: for good; Pebble refuses the account afterwards ----------------
cert account deactivate
[ "$rc" = 2 ] || fail "deactivate without --yes exited $rc"
cert account show
[ "$(show_field status)" = valid ] || fail "deactivate without --yes deactivated"
cert account deactivate --yes
[ "$rc" = 0 ] || fail "deactivate exited $rc: $err"
orders=$(new_orders)
sha256sum "$LIVE"/*.pem >"$T/before.sum"
cert renew --force
[ "$rc" = 1 ] || fail "renew with a deactivated account exited $rc"
echo "$err" | grep -qi "deactivated" || fail "renew after deactivation: $err"
[ "$(new_orders)" = "$orders" ] || fail "an order was placed after deactivation"
sha256sum -c --quiet "$T/before.sum" || fail "the certificate files changed"
cert account show
[ "$rc" = 1 ] && echo "$err" | grep -q "deactivated" || fail "show after deactivation: rc $rc, $err"

echo "# newAccount requests $(count 'POST /sign-me-up') (created 1)," \
    "keyChange $(count 'POST /rollover-account-key') (3 answers cut after Pebble took them," \
    "$resent copies libcurl resent refused, $settled settled, 0 accounts lost)," \
    "orders $(new_orders), old key refused: ${old_kid_err##*: }"
pass
