#!/usr/bin/env bash
# 105-cert-fronts: one certificate for two nginx front ends ([acme] store
# = database). A renewing host with no nginx runs `cert renew`: its
# HTTP-01 challenges are rows in PostgreSQL, and Pebble's VA, sent to
# front end A for the first issuance and to B for the second (its DNS,
# pebble-challtestsrv, says so), is answered by whichever it reaches,
# through the API. `cert sync` on each front end installs the stored
# certificate, whose key is sealed in the database with [acme] store_key.
# Promises: both front ends serve the same serial after each round; a
# second sync writes nothing and reloads nothing; a wrong store_key, or a
# tampered sealed key, is a clear error with the installed files
# untouched; so is the database going away mid-sync (its session
# terminated, PostgreSQL stopped, or frozen), the old serial still
# served; front ends syncing in a loop while renewals write the row
# install each serial whole, in order, none failing; a renewal whose row
# cannot be stored (its INSERT's session terminated) installs nothing and
# keeps the order for the next run; a challenge that waited past [api]
# queue_timeout is still answered; a rotation of store_key (a list, the
# sealing key first): rows readable with the older key, a wrong list
# refused with no row and no file written, `cert reseal` and a plain
# `cert renew` sealing every row with the new key (PostgreSQL down: a
# warning, exit 0; wrong keys: exit 1, no row written), a reseal racing a
# renewal leaving the renewal's row as written, no key ever printed.
# Prints the counts.
#
# A private network of network namespaces made here and deleted at exit,
# addresses only from the documentation ranges, no route out:
#   ca (Pebble, its DNS, the renewing host)  198.51.100.1 -- 198.51.100.2  fa (nginx A)
#                                            198.51.100.5 -- 198.51.100.6  fb (nginx B)
# PostgreSQL and bootstack-api stay in the root namespace on unix sockets,
# which namespaces do not separate (the front ends' shared API and
# database). Needs root: skipped (ok, with a note) without.
. "$(dirname "$0")/lib.sh"

netns_need
CA=bs-ca-$$ FA=bs-fa-$$ FB=bs-fb-$$
netns_add "$CA" "$FA" "$FB"
netns_link "$CA" ca-a 198.51.100.1 "$FA" lan 198.51.100.2
netns_link "$CA" ca-b 198.51.100.5 "$FB" lan 198.51.100.6
ADDR_a=198.51.100.2 ADDR_b=198.51.100.6 NS_a=$FA NS_b=$FB

CERT_NS=$CA
. "$(dirname "$0")/cert-lib.sh"	# Pebble and its DNS, in $CA

pg_start
BS_API_ROLE=bs_api	# the API may read acme_challenges, nothing more
write_config "$(api_config)"
"$BS_BIN" migrate >"$T/migrate.log" 2>&1 || fail "migrate: $(cat "$T/migrate.log")"
api_start
openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n' >"$T/store.key"
chmod 600 "$T/store.key"

# host_conf NAME [LINES]: $T/NAME/bootstack.conf, the same database and
# store; a or b also get a front end's [site] and [nginx] (LINES: more
# [site] keys), r the renewing host, with no nginx.
host_conf() {
	local h=$1 d=$T/$1 ns addr
	mkdir -p "$d"
	{
		cat "$BS_CONF"
		cat <<CONF
[acme]
directory_url = $ACME_URL
email = ops@example.test
agree_tos = yes
ca_bundle = $T/pki/ca.pem
state_dir = $d/state
poll_timeout = 30
store = database
store_key_file = ${STORE_KEY:-$T/store.key}

[cert www]
names = www.example.test, example.test
CONF
		if [ "$h" = r ]; then
			printf 'test_command =\nreload_command =\n'
			return
		fi
		eval "ns=\$NS_$h addr=\$ADDR_$h"
		cat <<CONF

[site]
domain = example.test
subdomains = www
ipv6 = no
${2:-}

[nginx]
conf_dir = $d/nginx/conf
template_dir = $BS_TOP_BUILDDIR/nginx
listen_http = $addr:$HTTP_PORT
listen_https = $addr:$TLS_PORT
default_server = yes
webroot = $d/webroot
ops_root = $d/ops
htpasswd_file = $d/htpasswd
access_log = $d/access.log
error_log = $d/error.log
test_command = ip netns exec $ns nginx -t -q -c $d/nginx/nginx.conf
reload_command = echo >>$d/reloads; nginx -s reload -c $d/nginx/nginx.conf
CONF
	} >"$d/bootstack.conf"
}
# on NAME CMD...: runs CMD in the host's namespace with its config.
on() {
	local ns=$CA
	[ "$1" = a ] && ns=$FA
	[ "$1" = b ] && ns=$FB
	BOOTSTACK_CONF=$T/$1/bootstack.conf ip netns exec "$ns" "${@:2}"
}
# render NAME: renders the front end's nginx configuration, (re)starts it.
render() {
	local d=$T/$1
	on "$1" "$BS_BIN" nginx render --check >"$d/render.log" 2>&1 || fail "$1: render: $(cat "$d/render.log")"
	if [ -s "$d/nginx/nginx.pid" ]; then
		nginx -s reload -c "$d/nginx/nginx.conf" || fail "$1: nginx reload"
	else
		on "$1" nginx -c "$d/nginx/nginx.conf" -e "$T/nginx-error.log" || fail "$1: nginx did not start"
		at_exit "kill -QUIT \$(cat $d/nginx/nginx.pid)"
	fi
}
for h in r a b; do host_conf "$h"; done
for h in a b; do
	nginx_main_conf "$T/$h/nginx/nginx.conf" "$T/$h/nginx/conf/http.conf"
	render "$h"
	: >"$T/$h/reloads"
done
grep -q 'try_files $uri @bootstack_acme;' "$T/a/nginx/conf/servers.conf" \
    || fail "no API fallback for challenges: $(grep -A5 acme-challenge "$T/a/nginx/conf/servers.conf")"
# A token nobody made: the API's 404 through either front end, never a redirect.
for h in a b; do
	eval "addr=\$ADDR_$h"
	wait_for 100 ip netns exec "$CA" curl -s -o /dev/null -H "Host: www.example.test" "http://$addr:$HTTP_PORT/healthz" \
	    || fail "$h: nginx not answering"
	code=$(ip netns exec "$CA" curl -s -o "$T/body" -w '%{http_code}' -H 'Host: www.example.test' \
	    "http://$addr:$HTTP_PORT/.well-known/acme-challenge/nobody-made-this")
	[ "$code" = 404 ] || fail "$h: an unknown token got $code: $(cat "$T/body")"
done

# queue_timeout (500 ms by default) never sheds a challenge: a CA asks once.
# Straight to the API's socket, as if nginx had started each request 10 s
# ago: a stored challenge is answered, an ordinary request is shed.
psql -qc "INSERT INTO acme_challenges (token, key_authorization, cert_name) VALUES ('late-token', 'late-token.thumb', 'www')" \
    || fail "insert a challenge"
late() { python3 "$BS_TOP_SRCDIR/tests/e2e/fcgi-client.py" "$T/api.sock" request ok GET "$1" -H REQUEST_START=@now-10000; }
lc=$(late /.well-known/acme-challenge/late-token) lr=$(late /readyz)
psql -qc "DELETE FROM acme_challenges WHERE token = 'late-token'"
echo "# 10 s late through the queue: a challenge got $(echo "$lc" | grep -m1 '^status'), /readyz $(echo "$lr" | grep -m1 '^status')"
echo "$lc" | grep -q '^status 200' && echo "$lc" | grep -q 'late-token.thumb' || fail "a late challenge was not answered: $lc"
echo "$lr" | grep -q '^status 503' || fail "a late /readyz was not shed (is queue_timeout on?): $lr"

# dns_to ADDR: both names resolve to ADDR for Pebble's VA.
dns_to() {
	local n
	for n in www.example.test. example.test.; do
		ip netns exec "$CA" curl -sf -o /dev/null -X POST -d "{\"host\":\"$n\"}" \
		    "http://127.0.0.1:$CTS_PORT/clear-a"
		ip netns exec "$CA" curl -sf -o /dev/null -X POST \
		    -d "{\"host\":\"$n\",\"addresses\":[\"$1\"]}" "http://127.0.0.1:$CTS_PORT/add-a" \
		    || fail "challtestsrv add-a $n"
	done
}
# hits NAME: challenge requests the front end answered 200 so far.
hits() { grep -c 'GET /.well-known/acme-challenge/[A-Za-z0-9_-]* HTTP/1.1" 200 ' "$T/$1/access.log"; }
# serves NAME: the serial the front end's HTTPS server presents.
serves() {
	eval "local addr=\$ADDR_$1"
	ip netns exec "$CA" openssl s_client -connect "$addr:$TLS_PORT" -servername www.example.test \
	    </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null | cut -d= -f2
}
# serves_is NAME SERIAL: waits (bounded) until a reload took effect.
serves_is() {
	local i
	for i in $(seq 100); do
		[ "$(serves "$1")" = "$2" ] && return 0
		sleep 0.1
	done
}
# files NAME: inode and size of each installed file (a write makes a new inode).
files() { stat -c '%n %i %s' "$T/$1"/state/live/www/{privkey,cert,chain,fullchain}.pem 2>/dev/null; }
db_serial() { psql -Atc "SELECT serial FROM certificates WHERE name = 'www'"; }
# key_id KEY: the id bootstack names a store key by (SHA-256, 4 bytes, hex).
key_id() {
	python3 -c 'import base64, hashlib, sys; k = sys.argv[1]
print(hashlib.sha256(base64.urlsafe_b64decode(k + "=" * (-len(k) % 4))).hexdigest()[:8])' "$1"
}
sync_on() {	# NAME: cert sync there; sets $rc, $out, $err
	on "$1" "$BS_BIN" cert sync >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# --- round 1: the CA reaches front end A ------------------------------------
dns_to "$ADDR_a"
t0=$SECONDS; on r "$BS_BIN" cert renew >"$T/renew1.log" 2>&1 || fail "renew 1: $(cat "$T/renew1.log")"
t1=$((SECONDS - t0))
[ "$(psql -Atc 'SELECT count(*) FROM acme_challenges')" = 0 ] || fail "challenges left in the database"
S1=$(db_serial)
[ -n "$S1" ] || fail "no certificate stored: $(cat "$T/renew1.log")"
ha1=$(hits a) hb1=$(hits b)
[ "$ha1" -ge 2 ] && [ "$hb1" = 0 ] || fail "round 1: A answered $ha1, B $hb1 challenges"
[ ! -e "$T/a/webroot/.well-known/acme-challenge" ] || [ -z "$(ls -A "$T/a/webroot/.well-known/acme-challenge")" ] \
    || fail "a challenge file was written"
for h in a b; do
	sync_on "$h"
	[ "$rc" = 0 ] || fail "sync $h: $err"
	echo "$out" | grep -q "^www: installed: serial $S1, .*4 files written, reloaded" || fail "sync $h: $out"
	[ "$(stat -c %a "$T/$h/state/live/www/privkey.pem")" = 600 ] || fail "$h: key not 0600"
	host_conf "$h" "cert_file = $T/$h/state/live/www/fullchain.pem
key_file = $T/$h/state/live/www/privkey.pem"
	render "$h"
done
for h in a b; do serves_is "$h" "$S1"; done
A1=$(serves a) B1=$(serves b)
[ "$A1" = "$S1" ] && [ "$B1" = "$S1" ] || fail "round 1: A serves '$A1', B '$B1', the database has $S1"
echo "# round 1: the CA reached A ($ha1 challenge answers from A, $hb1 from B; renew ${t1} s); A serves $A1, B serves $B1"

# --- round 2: the CA reaches front end B --------------------------------------
dns_to "$ADDR_b"
t0=$SECONDS; on r "$BS_BIN" cert renew --force >"$T/renew2.log" 2>&1 || fail "renew 2: $(cat "$T/renew2.log")"
t2=$((SECONDS - t0))
S2=$(db_serial)
[ "$S2" != "$S1" ] || fail "renew 2 stored no new certificate"
ha2=$(($(hits a) - ha1)) hb2=$(($(hits b) - hb1))
[ "$ha2" = 0 ] && [ "$hb2" -ge 2 ] || fail "round 2: A answered $ha2, B $hb2 challenges"
for h in a b; do
	sync_on "$h"
	[ "$rc" = 0 ] || fail "sync $h: $err"
	echo "$out" | grep -q "^www: installed: serial $S2" || fail "sync $h: $out"
done
for h in a b; do serves_is "$h" "$S2"; done
A2=$(serves a) B2=$(serves b)
[ "$A2" = "$S2" ] && [ "$B2" = "$S2" ] || fail "round 2: A serves '$A2', B '$B2', the database has $S2"
echo "# round 2: the CA reached B ($ha2 challenge answers from A, $hb2 from B; renew ${t2} s); A serves $A2, B serves $B2"

# --- a second sync: nothing to do -------------------------------------------------
fa=$(files a) fb=$(files b)
ra=$(wc -l <"$T/a/reloads") rb=$(wc -l <"$T/b/reloads")
writes=0
for h in a b; do
	sync_on "$h"
	[ "$rc" = 0 ] || fail "second sync $h: $err"
	echo "$out" | grep -q "^www: up to date: serial $S2" || fail "second sync $h: $out"
done
[ "$(files a)" = "$fa" ] || writes=$((writes + 1))
[ "$(files b)" = "$fb" ] || writes=$((writes + 1))
reloads=$(($(wc -l <"$T/a/reloads") - ra + $(wc -l <"$T/b/reloads") - rb))
echo "# second sync on both: $writes hosts with files written, $reloads reloads"
[ "$writes" = 0 ] && [ "$reloads" = 0 ] || fail "a second sync wrote or reloaded"

# --- a wrong store_key, a tampered sealed key: errors, nothing touched ---------------
# A fresh certificate, so a sync that went wrong would have something to write.
on r "$BS_BIN" cert renew --force >"$T/renew3.log" 2>&1 || fail "renew 3: $(cat "$T/renew3.log")"
openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n' >"$T/wrong.key"
chmod 600 "$T/wrong.key"
STORE_KEY=$T/wrong.key host_conf b "cert_file = $T/b/state/live/www/fullchain.pem
key_file = $T/b/state/live/www/privkey.pem"
sync_on b
[ "$rc" = 1 ] || fail "sync with a wrong store_key exited $rc: $out $err"
wrong_id=$(key_id "$(cat "$T/wrong.key")")
echo "$err" | grep -q "www: certificates www: its key opens with none of the 1 key of \[acme\] store_key (tried key 1 id $wrong_id: " \
    || fail "wrong key: $err"
[ "$(files b)" = "$fb" ] || fail "a wrong store_key changed files"
psql -qc "UPDATE certificates SET key_sealed = overlay(key_sealed PLACING
    (CASE substr(key_sealed, 40, 1) WHEN 'A' THEN 'B' ELSE 'A' END) FROM 40 FOR 1)" || fail "tamper"
sync_on a
[ "$rc" = 1 ] || fail "sync of a tampered key exited $rc: $out $err"
echo "$err" | grep -q "its key opens with none of the 1 key" || fail "tampered: $err"
[ "$(files a)" = "$fa" ] || fail "a tampered key changed files"
reloads=$(($(wc -l <"$T/a/reloads") - ra + $(wc -l <"$T/b/reloads") - rb))
[ "$reloads" = 0 ] || fail "$reloads reloads after refused syncs"
[ "$(serves a)" = "$S2" ] && [ "$(serves b)" = "$S2" ] || fail "a refused sync changed what is served"
echo "# wrong store_key on B, tampered sealed key for A: both refused (exit 1), 0 files written, 0 reloads, both still serve $S2"
echo "# $(echo "$err" | head -1)"

# --- the database goes away mid-sync ---------------------------------------------------
# A fresh row (the tampered one replaced), B's right key again. Front end
# A's sync is caught mid-read: a psql session holds the certificates table
# locked, so the sync's SELECT waits in the server; then its backend is
# terminated, PostgreSQL stops (fast: sessions cut), or every PostgreSQL
# process is frozen (SIGSTOP, as 013 does: the sync gives up after
# statement_timeout + 1 s). Each: exit 1, one clear line, 0 files written,
# 0 reloads, A still serves the old serial.
host_conf b "cert_file = $T/b/state/live/www/fullchain.pem
key_file = $T/b/state/live/www/privkey.pem"
on r "$BS_BIN" cert renew --force >"$T/renew4.log" 2>&1 || fail "renew 4: $(cat "$T/renew4.log")"
S4=$(db_serial)
old=$(serves a)
[ "$old" = "$S2" ] || fail "A serves '$old' before the mid-sync cases, not $S2"
# lock_certs [STATEMENT]: a psql session holding the lock STATEMENT takes
# (the whole table by default) until $T/unlock (60 s at most).
lock_certs() {
	rm -f "$T/locked" "$T/unlock"
	psql -Atq -v ON_ERROR_STOP=1 >"$T/lock.out" 2>&1 <<SQL &
BEGIN;
${1:-LOCK TABLE certificates IN ACCESS EXCLUSIVE MODE};
\\! touch $T/locked
\\! for i in \$(seq 600); do [ -e $T/unlock ] && break; sleep 0.1; done
COMMIT;
SQL
	LOCK_PID=$!
	wait_for 100 test -e "$T/locked" || fail "psql did not lock (${1:-the table}): $(cat "$T/lock.out")"
}
unlock_certs() { touch "$T/unlock"; wait "$LOCK_PID" 2>/dev/null; }
at_exit "touch $T/unlock"
# the sync's backend, waiting on the lock: its pid
waiting_pid() {
	psql -Atc "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'
	    AND query LIKE 'SELECT serial%FROM certificates%'"
}
FROZEN=
at_exit '[ -n "$FROZEN" ] && kill -CONT $FROZEN'
ra=$(wc -l <"$T/a/reloads")
fa=$(files a)
cases=0 refused=0 written=0
for how in terminate stop freeze; do
	lock_certs
	on a "$BS_BIN" cert sync >"$T/mid.out" 2>"$T/mid.err" &
	spid=$!
	wait_for 100 sh -c "[ -n \"\$(psql -Atc \"SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'SELECT serial%FROM certificates%'\")\" ]" \
	    || fail "$how: the sync never waited on the locked table: $(cat "$T/mid.out" "$T/mid.err")"
	bpid=$(waiting_pid)
	t0=$SECONDS
	case $how in
	terminate)
		[ "$(psql -Atc "SELECT pg_terminate_backend($bpid)")" = t ] || fail "terminate $bpid" ;;
	stop)
		pg_stop ;;
	freeze)
		FROZEN=$(pg_pids)
		kill -STOP $FROZEN ;;
	esac
	src=0
	wait "$spid" || src=$?
	took=$((SECONDS - t0))
	if [ -n "$FROZEN" ]; then kill -CONT $FROZEN; FROZEN=; fi
	[ "$how" = stop ] && pg_resume
	unlock_certs
	cases=$((cases + 1))
	msg=$(grep '^bootstack cert: ' "$T/mid.err")
	[ "$src" = 1 ] && refused=$((refused + 1))
	[ "$(files a)" = "$fa" ] || written=$((written + 1))
	echo "# mid-sync, $how: exit $src after ${took} s: $msg"
	[ "$src" = 1 ] || fail "$how: sync exited $src: $(cat "$T/mid.out") $msg"
	[ "$(grep -c '^bootstack cert: ' "$T/mid.err")" = 1 ] || fail "$how: not one error line: $(cat "$T/mid.err")"
	case $msg in
	"bootstack cert: www: "*database*"nothing installed"*) ;;
	*) fail "$how: unclear: $msg" ;;
	esac
	[ -z "$(cat "$T/mid.out")" ] || fail "$how: said on stdout: $(cat "$T/mid.out")"
done
reloads=$(($(wc -l <"$T/a/reloads") - ra))
served=$(serves a)
echo "# database gone mid-sync: $refused of $cases syncs refused (exit 1), $written with files written, $reloads reloads, A serves $served (the database has $S4)"
[ "$refused" = 3 ] && [ "$written" = 0 ] && [ "$reloads" = 0 ] && [ "$served" = "$old" ] \
    || fail "the database going away mid-sync changed something"
# back: the next sync installs the row
wait_for 100 sh -c "psql -Atc 'SELECT 1' >/dev/null" || fail "PostgreSQL not back"
sync_on a
[ "$rc" = 0 ] && echo "$out" | grep -q "^www: installed: serial $S4" || fail "sync after the outage: $out $err"
serves_is a "$S4"
[ "$(serves a)" = "$S4" ] || fail "A does not serve $S4 after the outage"

# --- two front ends syncing while cert renew writes the row ------------------------------
# Both front ends sync in a loop (0.2 s apart; B still has the row of
# before the outage to install) while the renewing host
# renews three times. The first renewal's challenges are the API's first
# requests since PostgreSQL restarted above (each worker's connection died
# with it): they are answered all the same, a CA asks only once. Every sync must succeed, each host must install the
# serials in the order they were stored (a read sees the old row or the
# new one, never a mix: the key checked against the certificate), and
# both serve the last one at the end.
rm -f "$T/stop"
for h in a b; do
	: >"$T/loop-$h.out"
	(
		for i in $(seq 600); do
			[ -e "$T/stop" ] && break
			on "$h" "$BS_BIN" cert sync >>"$T/loop-$h.out" 2>>"$T/loop-$h.err"
			echo "rc $?" >>"$T/loop-$h.out"
			sleep 0.2
		done
	) &
	eval "LOOP_$h=\$!"
done
at_exit "touch $T/stop"
renewed=()
for i in 1 2 3; do
	on r "$BS_BIN" cert renew --force >"$T/renew-loop.log" 2>&1 || fail "loop renew $i: $(cat "$T/renew-loop.log")"
	renewed+=("$(db_serial)")
	sleep 0.5
done
sleep 1
touch "$T/stop"
wait "$LOOP_a" "$LOOP_b"
for h in a b; do sync_on "$h"; [ "$rc" = 0 ] || fail "final sync $h: $err"; done
for h in a b; do serves_is "$h" "${renewed[2]}"; done
python3 - "$T" "$S4" "${renewed[@]}" <<'PY' || fail "see above"
import re, sys
T, order = sys.argv[1], sys.argv[2:]
ok = True
for h in "ab":
    lines = open("%s/loop-%s.out" % (T, h)).read().splitlines()
    runs = sum(1 for l in lines if l.startswith("rc "))
    failed = sum(1 for l in lines if l.startswith("rc ") and l != "rc 0")
    inst = [m.group(1) for m in (re.match(r"www: installed: serial (\w+)", l) for l in lines) if m]
    same = sum(1 for l in lines if l.startswith("www: up to date"))
    known = [s for s in inst if s in order]
    ordered = [order.index(s) for s in known] == sorted(order.index(s) for s in known)
    print("# %s: %d syncs while 3 renewals wrote the row: %d installed, %d up to date, %d failed, "
          "%d installs of a serial never stored, in store order: %s" % (
          h, runs, len(inst), same, failed, len(inst) - len(known), "yes" if ordered else "NO"))
    if failed or len(inst) != len(known) or not ordered or len(inst) < 1:
        ok = False
        print("not ok: %s: %s" % (h, open("%s/loop-%s.err" % (T, h)).read()[:500]))
sys.exit(0 if ok else 1)
PY
A5=$(serves a) B5=$(serves b)
echo "# after the renewals: A serves $A5, B serves $B5, the database has ${renewed[2]}"
[ "$A5" = "${renewed[2]}" ] && [ "$B5" = "${renewed[2]}" ] || fail "the front ends do not serve the last renewal"

# --- the database goes away as cert renew stores the row --------------------------------
# The renewing host's write: the table locked again, the renewal's INSERT
# waits in the server after the CA issued, and its backend is terminated.
# Promised: exit 1 naming the database, the row and the renewing host's
# files as they were, the order kept; the next run stores and installs
# that order (no new one), and the front ends sync it.
row0=$(db_serial)
fr=$(files r)
lock_certs
on r "$BS_BIN" cert renew --force >"$T/put.out" 2>"$T/put.err" &
rpid=$!
wait_for 300 sh -c "[ -n \"\$(psql -Atc \"SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO certificates%'\")\" ]" \
    || fail "the renewal never waited to store its row: $(cat "$T/put.out" "$T/put.err")"
bpid=$(psql -Atc "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO certificates%'")
[ "$(psql -Atc "SELECT pg_terminate_backend($bpid)")" = t ] || fail "terminate $bpid"
prc=0
wait "$rpid" || prc=$?
unlock_certs
echo "# renew, its row's INSERT terminated: exit $prc: $(grep '^bootstack cert: ' "$T/put.err")"
[ "$prc" = 1 ] && grep -q "^bootstack cert: www: certificates: the database: FATAL:  terminating connection .*; nothing installed, the order is kept for the next run$" "$T/put.err" \
    || fail "renew with its INSERT terminated: exit $prc: $(cat "$T/put.out" "$T/put.err")"
[ "$(db_serial)" = "$row0" ] || fail "the row changed: $(db_serial), was $row0"
[ "$(files r)" = "$fr" ] || fail "the renewing host installed files without storing the row"
[ -e "$T/r/state/www.order.json" ] || fail "the order was dropped"
on r "$BS_BIN" cert renew >"$T/put2.out" 2>&1 || fail "renew after the failed store: $(cat "$T/put2.out")"
grep -q "^www: renewed (resuming a pending order)" "$T/put2.out" || fail "no resume: $(cat "$T/put2.out")"
S6=$(db_serial)
[ "$S6" != "$row0" ] || fail "the resumed order was not stored"
for h in a b; do sync_on "$h"; [ "$rc" = 0 ] || fail "sync $h after the resume: $err"; serves_is "$h" "$S6"; done
A6=$(serves a) B6=$(serves b)
echo "# the next renew resumed that order and stored $S6; A serves $A6, B serves $B6"
[ "$A6" = "$S6" ] && [ "$B6" = "$S6" ] || fail "the front ends do not serve the resumed certificate"
# --- rotating store_key ---------------------------------------------------------------
# A second row (the renewing host's own [cert apex]), then the rotation
# of docs/scale-out.md: the new key K2 first and the old K1 after it on
# the renewing host and front end A, front end B not yet told. Promised:
# every row still opens (with key 2) and says so; a dry run writes
# nothing; a list of wrong keys refuses every row, writes no row and (on
# a front end) no file, naming the keys tried by id, never by text;
# `cert reseal` seals both rows with K2 in one go, a second finds both
# current; B, still on K1 alone, is refused with nothing written until
# it gets the list; the next rotation (K3 first) is done by a plain
# `cert renew` with nothing due; check-config refuses a key twice.
newkey() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n' >"$1"; chmod 600 "$1"; }
keylist() { local out=$1 f; shift; for f; do cat "$f"; echo; done >"$out"; chmod 600 "$out"; }
rconf() {	# KEYFILE: the renewing host, with [cert apex] too
	STORE_KEY=$1 host_conf r
	printf '\n[cert apex]\nnames = example.test\ntest_command =\nreload_command =\n' >>"$T/r/bootstack.conf"
}
fconf() {	# HOST KEYFILE: a front end serving its synced files
	STORE_KEY=$2 host_conf "$1" "cert_file = $T/$1/state/live/www/fullchain.pem
key_file = $T/$1/state/live/www/privkey.pem"
}
sealed() { psql -Atc "SELECT name || ' ' || md5(key_sealed) FROM certificates ORDER BY name"; }
# changed_rows BEFORE: rows whose sealed key differs from BEFORE's
changed_rows() { diff <(echo "$1") <(sealed) | grep -c '^>'; }
for k in k2 k3 bad1 bad2; do newkey "$T/$k"; done
K1=$(cat "$T/store.key") K2=$(cat "$T/k2") K3=$(cat "$T/k3")
id1=$(key_id "$K1") id2=$(key_id "$K2") id3=$(key_id "$K3")
idb1=$(key_id "$(cat "$T/bad1")") idb2=$(key_id "$(cat "$T/bad2")")
rconf "$T/store.key"
on r "$BS_BIN" cert renew apex >"$T/apex.log" 2>&1 || fail "renew apex: $(cat "$T/apex.log")"
[ "$(psql -Atc 'SELECT count(*) FROM certificates')" = 2 ] || fail "not 2 rows: $(sealed)"
keylist "$T/l21" "$T/k2" "$T/store.key"
keylist "$T/lbad" "$T/bad1" "$T/bad2"
rconf "$T/l21"
fconf a "$T/l21"
fa=$(files a) fb=$(files b)
s0=$(sealed)
# the rows after the rotation: readable, by key 2
on r "$BS_BIN" cert reseal --dry-run >"$T/rs.out" 2>"$T/rs.err" || fail "reseal --dry-run: $(cat "$T/rs.out" "$T/rs.err")"
grep -qx "store_key: 2 keys: key 1 (id $id2) seals; opening only: key 2 (id $id1)" "$T/rs.out" || fail "reseal keys: $(cat "$T/rs.out")"
grep -qx "apex: would reseal: opened with key 2 (id $id1), sealed with key 1 (id $id2)" "$T/rs.out" || fail "dry run: $(cat "$T/rs.out")"
grep -qx "2 rows: 2 would be resealed, 0 current, 0 changed meanwhile; dry run: nothing written" "$T/rs.out" \
    || fail "dry run: $(cat "$T/rs.out")"
dry_written=$(changed_rows "$s0")
readable=0
sync_on a
[ "$rc" = 0 ] && echo "$out" | grep -q "^www: up to date: serial $S6, .*; sealed with an older store_key (key 2, id $id1): cert reseal" \
    && readable=$((readable + 1)) || fail "sync on A after the rotation: $out $err"
# a list of wrong keys: every row refused, nothing written anywhere
refused=0 leaked=0
rconf "$T/lbad"
on r "$BS_BIN" cert reseal >"$T/rs.out" 2>"$T/rs.err"
rrc=$?
refused=$(grep -c "^bootstack cert: [a-z]*: opens with none of the 2 keys$" "$T/rs.err")
[ "$rrc" = 1 ] && grep -q "^bootstack cert: reseal: certificates apex: its key opens with none of the 2 keys of \[acme\] store_key (tried key 1 id $idb1, key 2 id $idb2: .*; nothing resealed (2 of 2 rows open with none of the keys)$" "$T/rs.err" \
    || fail "reseal with wrong keys: exit $rrc: $(cat "$T/rs.out" "$T/rs.err")"
echo "# $(tail -1 "$T/rs.err")"
cp "$T/rs.out" "$T/leak.txt"; cat "$T/rs.err" >>"$T/leak.txt"
fconf a "$T/lbad"
sync_on a
[ "$rc" = 1 ] && echo "$err" | grep -q "tried key 1 id $idb1, key 2 id $idb2" || fail "sync on A with wrong keys: $rc $out $err"
echo "$out$err" >>"$T/leak.txt"
wrong_written=$(changed_rows "$s0")
files_written=0
[ "$(files a)" = "$fa" ] || files_written=$((files_written + 1))
# the reseal itself, then again
rconf "$T/l21"
on r "$BS_BIN" cert reseal >"$T/rs.out" 2>"$T/rs.err" || fail "reseal: $(cat "$T/rs.out" "$T/rs.err")"
grep -qx "2 rows: 2 resealed, 0 current, 0 changed meanwhile" "$T/rs.out" || fail "reseal: $(cat "$T/rs.out")"
cat "$T/rs.out" "$T/rs.err" >>"$T/leak.txt"
resealed=$(changed_rows "$s0")
on r "$BS_BIN" cert reseal >"$T/rs.out" 2>"$T/rs.err" || fail "second reseal: $(cat "$T/rs.out" "$T/rs.err")"
grep -qx "2 rows: 0 resealed, 2 current, 0 changed meanwhile" "$T/rs.out" || fail "second reseal: $(cat "$T/rs.out")"
# B, not told yet: refused, nothing written; then told
sync_on b
[ "$rc" = 1 ] && echo "$err" | grep -q "opens with none of the 1 key of \[acme\] store_key (tried key 1 id $id1: " \
    || fail "sync on B with the old key only: $rc $out $err"
[ "$(files b)" = "$fb" ] || files_written=$((files_written + 1))
fconf b "$T/k2"
fconf a "$T/k2"
for h in a b; do
	sync_on "$h"
	[ "$rc" = 0 ] && echo "$out" | grep -qx "www: up to date: serial $S6, expires [^;]*" && readable=$((readable + 1)) \
	    || fail "sync on $h with K2 alone: $out $err"
done
[ "$(files a)" = "$fa" ] && [ "$(files b)" = "$fb" ] || files_written=$((files_written + 1))
# the next rotation, by cert renew with nothing due
keylist "$T/l32" "$T/k3" "$T/k2"
rconf "$T/l32"
s1=$(sealed)
on r "$BS_BIN" cert renew >"$T/renew-rs.out" 2>"$T/renew-rs.err" || fail "renew after the next rotation: $(cat "$T/renew-rs.out" "$T/renew-rs.err")"
renew_resealed=$(grep -c "^[a-z]*: resealed in the database with key 1 of store_key (id $id3); it opened with key 2 (id $id2)$" "$T/renew-rs.out")
grep -q "^www: not due" "$T/renew-rs.out" || fail "renew: $(cat "$T/renew-rs.out")"
renew_written=$(changed_rows "$s1")
cat "$T/renew-rs.out" "$T/renew-rs.err" >>"$T/leak.txt"
for h in a b; do
	fconf "$h" "$T/l32"
	sync_on "$h"
	[ "$rc" = 0 ] && echo "$out" | grep -qx "www: up to date: serial $S6, expires [^;]*" && readable=$((readable + 1)) \
	    || fail "sync on $h after renew resealed: $out $err"
done
# check-config: a key twice, named by position
keylist "$T/ldup" "$T/k3" "$T/k3"
rconf "$T/ldup"
on r "$BS_BIN" check-config >"$T/cc.out" 2>&1 && fail "check-config took a key twice"
grep -q "\[acme\] store_key_file: .*key 2 is key 1 again\|\[acme\] store_key: key 2 is key 1 again" "$T/cc.out" || fail "check-config: $(cat "$T/cc.out")"
cat "$T/cc.out" >>"$T/leak.txt"
# compare-before-write: a reseal racing a renewal of www. A psql session
# holds www's row (FOR UPDATE); the renewal's INSERT waits on it first,
# then the reseal (next rotation, K4 first) reads both rows, reseals apex
# and waits on www's row too. Let go: the renewal writes www first, so
# the reseal finds www changed and leaves it as the renewal wrote it.
newkey "$T/k4"
id4=$(key_id "$(cat "$T/k4")")
keylist "$T/l43" "$T/k4" "$T/k3"
rconf "$T/l43"
# PostgreSQL down for a run with nothing due: the reseal only warns (the
# next run retries), the run exits 0 and no row changes.
s2=$(sealed)
pg_stop
on r "$BS_BIN" cert renew >"$T/down.out" 2>"$T/down.err"
drc=$?
pg_resume
wait_for 100 sh -c "psql -Atc 'SELECT 1' >/dev/null" || fail "PostgreSQL not back"
echo "# renew with PostgreSQL down, nothing due: exit $drc: $(head -1 "$T/down.err")"
[ "$drc" = 0 ] && grep -q "^www: not due" "$T/down.out" \
    && [ "$(grep -c "^bootstack cert: warning: [a-z]*: not resealed: .*; the next run tries again$" "$T/down.err")" = 2 ] \
    || fail "renew with PostgreSQL down: exit $drc: $(cat "$T/down.out" "$T/down.err")"
[ "$(sealed)" = "$s2" ] || fail "rows changed while PostgreSQL was down"
cat "$T/down.out" "$T/down.err" >>"$T/leak.txt"
# a renewing host with a list of wrong keys: every row refused, exit 1
rconf "$T/lbad"
on r "$BS_BIN" cert renew >"$T/bad.out" 2>"$T/bad.err"
brc=$?
rconf "$T/l43"
[ "$brc" = 1 ] && [ "$(grep -c "^bootstack cert: \([a-z]*\): certificates \1: its key opens with none of the 2 keys of \[acme\] store_key (tried key 1 id $idb1, key 2 id $idb2: .*; nothing resealed (1 of 1 rows open with none of the keys)$" "$T/bad.err")" = 2 ] \
    || fail "renew with wrong keys: exit $brc: $(cat "$T/bad.out" "$T/bad.err")"
[ "$(sealed)" = "$s2" ] || fail "rows changed by a renew with wrong keys"
echo "# renew with a list of wrong keys, nothing due: exit $brc, $(grep -c 'opens with none' "$T/bad.err") rows refused, 0 written"
cat "$T/bad.out" "$T/bad.err" >>"$T/leak.txt"
lock_certs "SELECT name FROM certificates WHERE name = 'www' FOR UPDATE"
waiting() { [ -n "$(psql -Atc "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '$1%'")" ]; }
on r "$BS_BIN" cert renew --force www >"$T/race-renew.out" 2>"$T/race-renew.err" &
wpid=$!
wait_for 300 waiting 'INSERT INTO certificates' || fail "the renewal never waited on www's row: $(cat "$T/race-renew.out" "$T/race-renew.err")"
on r "$BS_BIN" cert reseal >"$T/race-rs.out" 2>"$T/race-rs.err" &
rpid=$!
wait_for 100 waiting 'UPDATE certificates SET key_sealed' || fail "the reseal never waited on www's row: $(cat "$T/race-rs.out" "$T/race-rs.err")"
unlock_certs
wrc=0 rrc=0
wait "$wpid" || wrc=$?
wait "$rpid" || rrc=$?
[ "$wrc" = 0 ] || fail "the racing renewal: exit $wrc: $(cat "$T/race-renew.out" "$T/race-renew.err")"
[ "$rrc" = 0 ] || fail "the racing reseal: exit $rrc: $(cat "$T/race-rs.out" "$T/race-rs.err")"
grep -qx "www: changed meanwhile (a renewal stored a new row): left as it is" "$T/race-rs.out" \
    && grep -qx "apex: resealed: opened with key 2 (id $id3), sealed with key 1 (id $id4)" "$T/race-rs.out" \
    && grep -qx "2 rows: 1 resealed, 0 current, 1 changed meanwhile" "$T/race-rs.out" \
    || fail "the racing reseal: $(cat "$T/race-rs.out")"
S7=$(db_serial)
grep -q "^www: renewed (forced): serial $S7," "$T/race-renew.out" || fail "the row is not the renewal's: $S7: $(cat "$T/race-renew.out")"
fconf a "$T/k4"
sync_on a
[ "$rc" = 0 ] && echo "$out" | grep -q "^www: installed: serial $S7, " || fail "sync of the renewal's row with K4 alone: $out $err"
serves_is a "$S7"
echo "# reseal racing a renewal: $(tail -1 "$T/race-rs.out"); www is the renewal's row (serial $S7, sealed with K4: A installed it with K4 alone, serves $(serves a))"
cat "$T/race-rs.out" "$T/race-rs.err" "$T/race-renew.out" "$T/race-renew.err" >>"$T/leak.txt"
for k in "$K1" "$K2" "$K3" "$(cat "$T/k4")" "$(cat "$T/bad1")" "$(cat "$T/bad2")"; do
	grep -qF -- "$k" "$T/leak.txt" && leaked=$((leaked + 1))
done
echo "# store_key rotation: $readable of 5 syncs read the rows after it; reseal --dry-run wrote $dry_written rows; wrong keys: $refused of 2 rows refused, $wrong_written rows written; cert reseal resealed $resealed of 2 rows, a second 0; cert renew resealed $renew_resealed of 2 rows (written: $renew_written); files written by refused syncs: $files_written; keys printed: $leaked"
[ "$readable" = 5 ] && [ "$dry_written" = 0 ] && [ "$refused" = 2 ] && [ "$wrong_written" = 0 ] && [ "$resealed" = 2 ] \
    && [ "$renew_resealed" = 2 ] && [ "$renew_written" = 2 ] && [ "$files_written" = 0 ] && [ "$leaked" = 0 ] \
    || fail "the rotation of store_key"
echo "# 105 done in $SECONDS s"
pass
