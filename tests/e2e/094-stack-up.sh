#!/usr/bin/env bash
# 094-stack-up: the README's first command, as a new user meets it: a copy
# of the checkout in a 0700 folder owned by root (Debian's /root), then
# `./stack up` (the programs of this build, BOOTSTACK_BUILD_DIR, so the
# suite does not build twice). It must start every part, printing one line
# per step with its seconds; PostgreSQL's files and socket go where the
# postgres user can reach them; the "try:" line works pasted as is. `up`
# again on the running stack changes nothing; after the program file
# changed, `up` upgrades the daemon in place (SIGUSR2, same pid) and says
# so. `down` stops everything and removes the database folder it made
# outside the checkout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/install-lib.sh"
unset BOOTSTACK_CONF

# The programs, as a build folder of their own (the upgrade replaces one).
B=$T/bin
mkdir -p "$B"
cp "$BS_TOP_BUILDDIR/bootstack" "$BS_TOP_BUILDDIR/bootstack-api" "$B/" || fail "copying the programs"
cp -r "$BS_TOP_BUILDDIR/nginx" "$B/nginx" || fail "copying the nginx templates"
export BOOTSTACK_BUILD_DIR=$B

H=$T/home
mkdir -p "$H"
chmod 700 "$H"
scratch_tree "$H/project"
P=$H/project
at_exit "bash $P/stack down"

# --- up: one line per step, then what to do next -----------------------------
bash "$P/stack" up >"$T/up.log" 2>&1 || fail "stack up: $(tail -5 "$T/up.log")"
for s in packages build postgresql migrations api nginx certificate; do
	grep -qE "^stack: $s +.* \([0-9]+ s\)$" "$T/up.log" || fail "no '$s' step line: $(cat "$T/up.log")"
done
grep -qE '^bootstack is up \([0-9]+ s\)\.$' "$T/up.log" || fail "no final line: $(cat "$T/up.log")"
if [ "$(id -u)" = 0 ]; then
	# /root-like: the postgres user cannot reach the checkout.
	runuser -u postgres -- test -x "$P/.stack/run" && fail "the test folder is reachable by postgres"
	pgh=$(cat "$P/.stack/run/pg.where") || fail "no pg.where for a checkout postgres cannot reach"
	case "$pgh" in /var/tmp/bootstack-stack-*) ;; *) fail "PostgreSQL's folder is $pgh" ;; esac
	grep -qE "^stack: postgresql +.* on $pgh/pgsock, port [0-9]+" "$T/up.log" \
	    || fail "postgresql line: $(grep postgresql "$T/up.log")"
	[ "$(stat -c %U "$pgh/pg")" = postgres ] || fail "$pgh/pg is not owned by postgres"
fi
grep -q '^stack: certificate .*Pebble (ACME)' "$T/up.log" \
    || fail "no certificate from the local Pebble: $(grep certificate "$T/up.log")"

# The "try:" line, pasted as printed: a new task.
try=$(sed -n 's/^  try: *//p' "$T/up.log")
[ -n "$try" ] || fail "no try: line"
(cd "$H" && env -i PATH="$PATH" HOME="$H" sh -c "$try") >"$T/try.out" 2>&1 \
    || fail "the try: line failed: $(cat "$T/try.out")"
grep -q '"title":"hello"' "$T/try.out" || fail "the try: line answered $(cat "$T/try.out")"
eval "$(bash "$P/stack" env)" || fail "stack env"
pid=$(cat "$P/.stack/run/api.pid")

# --- up again: nothing changed, nothing restarted ----------------------------------
bash "$P/stack" up >"$T/up2.log" 2>&1 || fail "second stack up: $(tail -5 "$T/up2.log")"
grep -qE "^stack: api +already running \(pid $pid\), program unchanged" "$T/up2.log" \
    || fail "second up: $(cat "$T/up2.log")"
grep -qE '^stack: migrations +nothing to apply' "$T/up2.log" || fail "second up migrations: $(cat "$T/up2.log")"

# --- a new program: up upgrades the running daemon in place -------------------------
cp "$B/bootstack-api" "$B/bootstack-api.new" && mv -f "$B/bootstack-api.new" "$B/bootstack-api"
bash "$P/stack" up >"$T/up3.log" 2>&1 || fail "stack up after a rebuild: $(tail -5 "$T/up3.log")"
grep -qE "^stack: api +upgraded: bootstack-api .* in place \(SIGUSR2, pid $pid\)" "$T/up3.log" \
    || fail "no upgrade: $(cat "$T/up3.log")"
[ "$(cat "$P/.stack/run/api.pid")" = "$pid" ] || fail "the daemon's pid changed"
[ "$(stat -Lc %i "/proc/$pid/exe")" = "$(stat -c %i "$B/bootstack-api")" ] \
    || fail "pid $pid does not run the new program"
(cd "$H" && env -i PATH="$PATH" HOME="$H" sh -c "$try") >"$T/try2.out" 2>&1
grep -q '"title":"hello"' "$T/try2.out" || fail "after the upgrade, try: answered $(cat "$T/try2.out")"

# --- down: everything stops; the database folder outside the checkout goes ------------
bash "$P/stack" down >"$T/down.log" 2>&1 || fail "stack down: $(cat "$T/down.log")"
kill -0 "$pid" 2>/dev/null && fail "bootstack-api still runs after down"
[ -f "$P/.stack/run/nginx/nginx.pid" ] && kill -0 "$(cat "$P/.stack/run/nginx/nginx.pid")" 2>/dev/null \
    && fail "nginx still runs after down"
if [ "$(id -u)" = 0 ]; then
	[ -e "$pgh" ] && fail "down left $pgh"
	grep -q "removed $pgh" "$T/down.log" || fail "down: $(cat "$T/down.log")"
fi
pgrep -f "$P/" >/dev/null && fail "processes of the stack still run: $(pgrep -af "$P/")"
echo "# 094: 7 step lines, try: 2 x 201, 1 upgrade in place (pid $pid kept)"
pass
