#!/usr/bin/env bash
# 032-cursors: pagination cursors are signed, bound and rotated
# (lib/cursor.h, docs/pagination.md): a cursor followed by its tenant, on
# its filter, works on every worker; forged, altered, moved to another
# tenant or filter, and expired cursors are 400 problem documents; keys
# rotate through [api] cursor_keys_file without breaking live cursors;
# a malformed key list stops check-config and bootstack-api -t; an unset
# one warns. Prints how many cursors were tried and refused.
. "$(dirname "$0")/lib.sh"

pg_start
API_LOG_LEVEL=info
API_WORKERS=3
K1=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8
K2=ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8
KEYS=$T/cursor.keys
( umask 077 && echo "$K1" >"$KEYS" )
config() { write_config "$(api_config "cursor_keys_file = $KEYS
${1:-}")"; }
config
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate failed"
api_start
nginx_start

"$BS_BIN" tenant create acme >/dev/null || fail "tenant create"
"$BS_BIN" tenant create globex >/dev/null || fail "tenant create"
KA=$("$BS_BIN" key create --tenant acme --scope write) || fail "key create"
KB=$("$BS_BIN" key create --tenant globex --scope write) || fail "key create"
H='Content-Type: application/json'
for i in 1 2 3 4 5 6; do
	for k in "$KA" "$KB"; do
		curl -s -o /dev/null -H "Authorization: Bearer $k" -H "$H" \
		    -d "{\"title\":\"t$i\"}" "$URL/v1/tasks"
	done
done

# get KEY QUERY: prints the status; the body is in $T/body
get() {
	rm -f "$T/body"
	curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$URL/v1/tasks?$2"
}
next() { python3 -c "import json; print(json.load(open('$T/body'))['next_cursor'] or '')"; }
detail() { python3 -c "import json; print(json.load(open('$T/body'))['detail'])"; }
tried=0 refused=0
# refuse KEY QUERY WORDS: a 400 whose detail holds WORDS
refuse() {
	local code
	tried=$((tried + 1))
	code=$(get "$1" "$2")
	[ "$code" = 400 ] || fail "$2: $code, not 400: $(cat "$T/body")"
	detail | grep -qF "$3" || fail "$2: detail $(detail), not '$3'"
	refused=$((refused + 1))
}

[ "$(get "$KA" limit=2)" = 200 ] || fail "first page"
CA=$(next)
[ -n "$CA" ] || fail "no next_cursor"
# the cursor does not spell the tenant, the filter or an id in clear
python3 -c "import base64,sys; s=sys.argv[1]; b=base64.urlsafe_b64decode(s + '=' * (-len(s) % 4)); assert b[0] == 1 and len(b) > 40, b" "$CA" \
    || fail "cursor format"
# followed by its tenant: on every worker (12 tries over 3 workers)
for i in $(seq 1 12); do
	[ "$(get "$KA" "limit=2&cursor=$CA")" = 200 ] || fail "own cursor refused: $(cat "$T/body")"
done
[ "$(python3 -c "import json; print([t['title'] for t in json.load(open('$T/body'))['items']])")" = "['t3', 't4']" ] \
    || fail "second page: $(cat "$T/body")"

# another tenant, another filter, another limit (allowed: not bound)
refuse "$KB" "limit=2&cursor=$CA" "not signed by this server for this tenant"
refuse "$KA" "limit=2&status=done&cursor=$CA" "not signed by this server for this tenant, filter"
[ "$(get "$KA" "limit=3&cursor=$CA")" = 200 ] || fail "another limit refused"
# altered: every position of the cursor changed once
for i in $(seq 0 $((${#CA} - 2))); do
	c=${CA:$i:1}
	[ "$c" = A ] && r=B || r=A
	refuse "$KA" "limit=2&cursor=${CA:0:$i}$r${CA:$((i + 1))}" "cursor is not valid"
done
# built by hand: the old unsigned format, and garbage
refuse "$KA" "cursor=$(printf 't1:2' | base64 | tr '+/' '-_' | tr -d '=')" "not a cursor of this API"
refuse "$KA" "cursor=${CA}AAAA" "cursor is not valid"
refuse "$KA" "cursor=abc" "not a cursor of this API"

# --- rotation: a new key in front, the old one kept, then dropped ----------
restart() { api_stop; config "${1:-}"; api_start; }
printf '%s %s\n' "$K2" "$K1" >"$KEYS"
restart
[ "$(get "$KA" "limit=2&cursor=$CA")" = 200 ] || fail "old cursor refused while its key is listed"
[ "$(get "$KA" limit=2)" = 200 ] || fail "first page"
CA2=$(next)
echo "$K2" >"$KEYS"
restart
refuse "$KA" "limit=2&cursor=$CA" "not signed by this server"
[ "$(get "$KA" "limit=2&cursor=$CA2")" = 200 ] || fail "cursor of the new key refused"

# --- expiry --------------------------------------------------------------------
restart "cursor_ttl = 1"
[ "$(get "$KA" limit=2)" = 200 ] || fail "first page"
CA3=$(next)
sleep 2.2
refuse "$KA" "limit=2&cursor=$CA3" "expired; start the list again"
# an expired cursor of another tenant is not told apart from a forged one
refuse "$KB" "limit=2&cursor=$CA3" "not signed by this server"

# --- configuration errors, and the unset default --------------------------------
echo "tooshort $K1" >"$KEYS"
"$BS_BIN" check-config >/dev/null 2>"$T/err" && fail "check-config took a bad key list"
grep -q "\[api\] cursor_keys.*: key 1 has 6 bytes" "$T/err" || fail "check-config: $(cat "$T/err")"
grep -q "$K1" "$T/err" && fail "check-config printed a key"
"$BS_API_BIN" -t -c "$BS_CONF" >/dev/null 2>"$T/err" && fail "bootstack-api -t took a bad key list"
grep -q "cursor_keys" "$T/err" || fail "-t: $(cat "$T/err")"
chmod 644 "$KEYS"
echo "$K1" >"$KEYS"
"$BS_BIN" check-config >/dev/null 2>"$T/err" && fail "a world-readable key file was accepted"
api_stop
write_config "$(api_config)"
: >"$T/api.log"
api_start
grep -q "cursor_keys is unset" "$T/api.log" || fail "no warning for unset cursor_keys: $(cat "$T/api.log")"
[ "$(get "$KA" limit=2)" = 200 ] || fail "first page"
CA4=$(next)
for i in $(seq 1 12); do
	[ "$(get "$KA" "limit=2&cursor=$CA4")" = 200 ] || fail "random-key cursor refused by a worker"
done
echo "cursors: $tried tampered or moved, $refused refused with 400"
pass
