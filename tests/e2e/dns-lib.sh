# tests/e2e/dns-lib.sh: helpers of the DNS scripts (06N-*.sh), sourced after
# lib.sh: the Dynadot test double (dynadot-double.py) in front of a
# pebble-challtestsrv, a random API key in a 0600 file, and zone dumps.
#
# Provided: $DYNADOT_KEY (the secret the scripts grep every output for),
# $T/dynadot.key, and the functions below.

command -v pebble-challtestsrv >/dev/null ||
    fail "pebble-challtestsrv not installed (Debian package pebble; ./stack deps)"

DYNADOT_KEY="bs-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')+/="
(umask 077 && printf '%s\n' "$DYNADOT_KEY" >"$T/dynadot.key")

# cts_start: a pebble-challtestsrv DNS on free ports, no default addresses
# (a name nobody set has no A record); sets CTS_DNS (HOST:PORT), CTS_URL.
cts_start() {
	local dns mgmt
	dns=$(free_port)
	mgmt=$(free_port)
	pebble-challtestsrv -defaultIPv4 "" -defaultIPv6 "" \
	    -dns01 "127.0.0.1:$dns" -http01 "" -https01 "" -tlsalpn01 "" \
	    -management "127.0.0.1:$mgmt" >"$T/challtestsrv.log" 2>&1 &
	CTS_PID=$!
	at_exit 'kill $CTS_PID; wait $CTS_PID'
	CTS_DNS=127.0.0.1:$dns
	CTS_URL=http://127.0.0.1:$mgmt
	wait_for 50 curl -sf -X POST -d '{"host":"probe.test.","value":"x"}' \
	    "$CTS_URL/set-txt" || fail "pebble-challtestsrv did not start"
}

# double_start CTS_URL DELAY: the Dynadot double for example.test, publishing
# into CTS_URL after DELAY seconds; sets DOUBLE_URL (its base URL) and
# DYNADOT_API (the api_url to configure). Its log is $T/double.log.
double_start() {
	python3 "$BS_TOP_SRCDIR/tests/e2e/dynadot-double.py" \
	    --port-file "$T/double.port" --key-file "$T/dynadot.key" \
	    --domain example.test --cts "$1" --delay "$2" \
	    --log "$T/double.log" 2>>"$T/double.log" &
	DOUBLE_PID=$!
	at_exit 'kill $DOUBLE_PID; wait $DOUBLE_PID'
	wait_for 100 test -s "$T/double.port" || fail "the Dynadot double did not start"
	DOUBLE_URL=http://127.0.0.1:$(cat "$T/double.port")
	DYNADOT_API=$DOUBLE_URL/api3.json
}

# double_ctl PATH [JSON]: the double's control endpoint (POST with JSON).
double_ctl() {
	if [ $# -gt 1 ]; then
		curl -sf -X POST -d "$2" "$DOUBLE_URL/_control/$1"
	else
		curl -sf "$DOUBLE_URL/_control/$1"
	fi
}

# zone_dump: the double's example.test as sorted lines "HOST TYPE VALUE
# VALUE2" and "ttl N" (for exact comparisons).
zone_dump() {
	double_ctl "zone?domain=example.test" | python3 -c '
import json, sys
z = json.load(sys.stdin)
print("ttl", z["ttl"])
for r in sorted((r["host"] or "@", r["type"], r["value"], r.get("value2") or "")
                for r in z["records"]):
    print(" ".join(r).rstrip())'
}

# set_dns2_calls: how many set_dns2 requests the double answered since the
# last `double_ctl calls` reset (curl -X DELETE).
set_dns2_calls() {
	double_ctl calls | python3 -c '
import json, sys
print(sum(1 for c in json.load(sys.stdin) if c["command"] == "set_dns2"))'
}
calls_reset() { curl -sf -X DELETE "$DOUBLE_URL/_control/calls" >/dev/null; }

# key_leaks: prints every file under $T (but the key file) holding the API
# key, raw or URL-encoded.
key_leaks() {
	local enc
	enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$DYNADOT_KEY")
	grep -rlF -D skip -e "$DYNADOT_KEY" -e "$enc" "$T" 2>/dev/null | grep -v '/dynadot\.key$'
}

# dynadot_section TIMEOUT RETRIES: the [dynadot] section for the double
# (retry_delay 1 s, min_interval 50 ms), for a config heredoc.
dynadot_section() {
	printf '[dynadot]\napi_url = %s\nkey_file = %s\ntimeout = %s\n' \
	    "$DYNADOT_API" "$T/dynadot.key" "$1"
	printf 'retries = %s\nretry_delay = 1\nmin_interval = 50\n' "$2"
}

# bs ARGS...: runs bootstack -v ARGS (verbose: debug lines are grepped for
# the key too); sets $rc, $out, $err (without debug lines) and $secs (whole
# seconds it took); keeps both outputs in $T/run-N.{out,err}.
n=0
bs() {
	local t0
	n=$((n + 1))
	t0=$(date +%s%N)
	"$BS_BIN" -v "$@" >"$T/run-$n.out" 2>"$T/run-$n.err"
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
	out=$(cat "$T/run-$n.out")
	err=$(grep -v '"level":"debug"' "$T/run-$n.err")
}
