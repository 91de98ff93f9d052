#!/usr/bin/env bash
# 090-install: the production install of docs/deploy.md, from the release
# tarball: `make dist` of a copy of the tree, then configure with the FHS
# paths, make, make install DESTDIR=...; every file in its place; the
# manuals render without a warning and name every command and option the
# programs have; systemd-analyze accepts the units; the installed
# bootstack and bootstack-api, run from the DESTDIR, serve the API through
# nginx on the test database with the installed migrations and templates;
# environments (--env, BOOTSTACK_ENV); upgrades keep the operator's files
# (a changed cron file and logrotate file kept with a .dist twin, a deleted
# cron file left deleted, one line each); the scheduler chosen once; every
# service unit rated at most 2.5 by `systemd-analyze security`; make
# uninstall leaves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/install-lib.sh"
export LC_ALL=C

# --- the tarball, built and installed as the guide says ----------------------
scratch_tree "$T/src"
scratch_configure "$T/src" "$T/distbuild" 90.0.0
scratch_make "$T/distbuild" dist
tarball=$T/distbuild/bootstack-90.0.0.tar.gz
[ -f "$tarball" ] || fail "make dist made no $tarball"
tar -xzf "$tarball" -C "$T" || fail "unpacking the tarball"
# every file of the tree the README and the guides name is in the tarball
python3 - "$T/src" "$T/bootstack-90.0.0" <<'PY' >"$T/docnames.out" || fail "files named in the docs missing from the tarball: $(cat "$T/docnames.out")"
import glob, os, re, sys
src, dist = sys.argv[1], sys.argv[2]
docs = ["README.md", "HACKING.md", "CONTRIBUTING.md", "RELEASE.md"] + \
    [os.path.relpath(p, src) for p in glob.glob(os.path.join(src, "docs", "*.md"))]
named, missing = set(), []
for d in docs:
    for m in re.finditer(r"`(?:\./)?((?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]+)[`/ ]", open(os.path.join(src, d)).read()):
        p = m.group(1)
        if p.startswith(".stack") or "/" not in p and p not in ("stack", "configure.ac", "Makefile.am"):
            continue
        if os.path.exists(os.path.join(src, p)):
            named.add(p)
for p in sorted(named):
    if not os.path.exists(os.path.join(dist, p)):
        missing.append(p)
print(" ".join(missing) if missing else "%d files named in the docs, all in the tarball" % len(named))
sys.exit(1 if missing else 0)
PY
echo "# $(cat "$T/docnames.out")"
mkdir -p "$T/build"
(cd "$T/build" && "$T/bootstack-90.0.0/configure" -q $FHS_ARGS) >>"$T/build.log" 2>&1 \
    || fail "configure from the tarball"
scratch_make "$T/build"
R=$T/root
scratch_make "$T/build" install DESTDIR="$R"
grep -q '^make install: cron runs the jobs (/etc/cron.d/bootstack-\*)' "$T/build.log" \
    || fail "the first install did not say which scheduler runs the jobs"

# --- every file in its FHS place ------------------------------------------------
for f in usr/bin/bootstack usr/sbin/bootstack-api \
    usr/share/bootstack/sql/0001_init.sql usr/share/bootstack/nginx/http.conf \
    usr/share/bootstack/nginx/tls.conf \
    usr/share/man/man1/bootstack.1 usr/share/man/man8/bootstack-api.8 \
    usr/share/man/man5/bootstack.conf.5 \
    usr/lib/systemd/system/bootstack-api.service \
    usr/lib/systemd/system/bootstack-cert-renew.service \
    usr/lib/systemd/system/bootstack-cert-renew.timer \
    usr/lib/systemd/system/bootstack-report.timer \
    usr/lib/systemd/system/bootstack-alert-check.timer \
    usr/lib/systemd/system/bootstack-dns-sync.timer \
    usr/lib/systemd/system/bootstack-cert-sync.service \
    usr/lib/systemd/system/bootstack-cert-sync.timer \
    usr/lib/tmpfiles.d/bootstack.conf usr/lib/sysusers.d/bootstack.conf \
    etc/bootstack/bootstack.conf etc/cron.d/bootstack-cert \
    etc/logrotate.d/bootstack etc/default/bootstack var/lib/misc/bootstack-conffiles \
    usr/lib/systemd/system/bootstack-nginx-reload.service \
    usr/lib/systemd/system/bootstack-nginx-reload.path \
    usr/share/doc/bootstack/README.md usr/share/doc/bootstack/docs/deploy.md \
    usr/share/doc/bootstack/docs/add-a-resource.md \
    usr/share/doc/bootstack/docs/openapi.json \
    usr/share/doc/bootstack/examples/bootstack.conf \
    usr/share/doc/bootstack/examples/prometheus/bootstack-rules.yml \
    usr/share/doc/bootstack/examples/rsyslog/bootstack-forward.conf \
    usr/share/doc/bootstack/examples/rsyslog/bootstack-loghost.conf \
    usr/share/doc/bootstack/examples/ha/patroni.yml.in \
    usr/share/doc/bootstack/examples/ha/etcd.default.in; do
	[ -f "$R/$f" ] || fail "make install did not install /$f"
done
for f in "$T"/bootstack-90.0.0/dist/*.cron; do
	[ -f "$R/etc/cron.d/$(basename "$f" .cron)" ] || fail "cron file $(basename "$f") not installed"
done
[ -x "$R/usr/sbin/bootstack-api" ] && [ -x "$R/usr/bin/bootstack" ] || fail "programs not executable"
[ "$(stat -c %a "$R/etc/bootstack/bootstack.conf")" = 640 ] || fail "bootstack.conf not 0640"
# the cursor key: made once, 0600, kept across installs
[ "$(stat -c %a "$R/etc/bootstack/cursor.keys")" = 600 ] || fail "cursor.keys not 0600"
grep -qE '^[A-Za-z0-9_-]{43}$' "$R/etc/bootstack/cursor.keys" || fail "cursor.keys is not one base64url key"
cursor_key=$(cat "$R/etc/bootstack/cursor.keys")
grep -rl "$T" "$R/usr/lib" "$R/usr/share/man" "$R/etc" >/dev/null 2>&1 \
    && fail "an installed file names the DESTDIR: $(grep -rl "$T" "$R/usr/lib" "$R/etc" | head -3)"
grep -q '^ExecStart=/usr/sbin/bootstack-api$' "$R/usr/lib/systemd/system/bootstack-api.service" \
    || fail "the unit does not run /usr/sbin/bootstack-api"
grep -q '^EnvironmentFile=-/etc/default/bootstack$' "$R/usr/lib/systemd/system/bootstack-api.service" \
    || fail "the unit does not read /etc/default/bootstack"
grep -q '^\* \* \* \* \*	bootstack	.*/etc/default/bootstack.*exec bootstack alert check' \
    "$R/etc/cron.d/bootstack-alert" || fail "the alert cron line: $(tail -1 "$R/etc/cron.d/bootstack-alert")"
grep -q '^BOOTSTACK_ENV\|^#BOOTSTACK_ENV=' "$R/etc/default/bootstack" || fail "/etc/default/bootstack"

# --- an upgrade keeps the operator's files ------------------------------------------
# The operator: edits bootstack.conf and the report cron file, deletes the
# alert cron file (say, for the timers), adds a line to logrotate's file.
# The new release: a changed cert cron file, which the operator never
# touched, so it is simply replaced.
echo "# edited by the operator" >>"$R/etc/bootstack/bootstack.conf"
echo "# every 10 minutes is enough here" >>"$R/etc/cron.d/bootstack-report"
rm "$R/etc/cron.d/bootstack-alert"
sed -i 's/^\(\s*\)rotate 14$/\1rotate 14\n\1maxsize 100M/' "$R/etc/logrotate.d/bootstack"
grep -q 'maxsize 100M' "$R/etc/logrotate.d/bootstack" || fail "test setup: logrotate line not added"
echo "# new in 90.0.1" >>"$T/bootstack-90.0.0/dist/bootstack-cert.cron"
: >"$T/build.log"
scratch_make "$T/build" install DESTDIR="$R"
grep '^make install: ' "$T/build.log" >"$T/upgrade.out"
grep -q "edited by the operator" "$R/etc/bootstack/bootstack.conf" \
    || fail "make install overwrote /etc/bootstack/bootstack.conf"
grep -q "every 10 minutes" "$R/etc/cron.d/bootstack-report" || fail "make install overwrote the report cron file"
[ -e "$R/etc/cron.d/bootstack-alert" ] && fail "make install brought back the deleted alert cron file"
grep -q 'maxsize 100M' "$R/etc/logrotate.d/bootstack" || fail "make install overwrote the logrotate file"
grep -q 'new in 90.0.1' "$R/etc/cron.d/bootstack-cert" || fail "the untouched cert cron file was not upgraded"
[ "$(cat "$R/etc/bootstack/cursor.keys")" = "$cursor_key" ] || fail "make install replaced the cursor key"
for f in etc/bootstack/bootstack.conf.dist etc/cron.d/bootstack-report.dist \
    etc/logrotate.d/bootstack.ucf-dist; do
	[ -f "$R/$f" ] || fail "no /$f beside the kept file"
done
cmp -s "$R/etc/cron.d/bootstack-report.dist" "$R/etc/cron.d/bootstack-cert" && fail "wrong .dist content"
[ -e "$R/etc/cron.d/bootstack-cert.dist" ] || [ -e "$R/etc/cron.d/bootstack-alert.dist" ] \
    && fail "a .dist for a file that was not kept"
# logrotate, as Debian's daily run reads the folder: the twin is skipped.
if command -v logrotate >/dev/null; then
	mkdir -p "$T/lr/d" && cp "$R/etc/logrotate.d/"* "$T/lr/d/" && sed -i "s|/var/log/bootstack/|$T/lr/|" "$T/lr/d/"*
	printf 'include %s\n' "$T/lr/d" >"$T/lr/main.conf"
	logrotate -d -s "$T/lr/state" "$T/lr/main.conf" >"$T/lr.out" 2>&1 || fail "logrotate reads the .d folder with an error: $(grep error "$T/lr.out")"
	grep -q 'Ignoring bootstack.ucf-dist' "$T/lr.out" || fail "logrotate read bootstack.ucf-dist: $(cat "$T/lr.out")"
fi
kept=$(grep -c '^make install: kept ' "$T/upgrade.out")
deleted=$(grep -c '^make install: .* was deleted since it was installed; left deleted$' "$T/upgrade.out")
[ "$kept" = 3 ] && [ "$deleted" = 1 ] && [ "$(wc -l <"$T/upgrade.out")" = 4 ] \
    || fail "upgrade lines (3 kept, 1 deleted expected): $(cat "$T/upgrade.out")"
for f in /etc/bootstack/bootstack.conf /etc/cron.d/bootstack-report /etc/logrotate.d/bootstack; do
	[ "$(grep -c "kept $f " "$T/upgrade.out")" = 1 ] || fail "not one line for $f: $(cat "$T/upgrade.out")"
done
grep -q '^make install: /etc/cron.d/bootstack-alert was deleted' "$T/upgrade.out" \
    || fail "no line for the deleted alert cron file: $(cat "$T/upgrade.out")"
echo "# 090 upgrade: $kept files kept with a .dist twin, $deleted left deleted, 1 replaced (untouched), $(wc -l <"$T/upgrade.out") lines printed"

# --- the scheduler, chosen once -------------------------------------------------------
: >"$T/build.log"
scratch_make "$T/build" install DESTDIR="$R" SCHEDULER=systemd
grep '^make install: ' "$T/build.log" >"$T/sched.out"
[ -e "$R/etc/cron.d/bootstack-cert" ] && fail "SCHEDULER=systemd left the untouched cert cron file"
grep -q 'every 10 minutes' "$R/etc/cron.d/bootstack-report" || fail "SCHEDULER=systemd removed a changed cron file"
grep -q '^make install: kept /etc/cron.d/bootstack-report, which you changed: delete it' "$T/sched.out" \
    || fail "no warning for the changed cron file: $(cat "$T/sched.out")"
grep -q '^make install: the systemd timers run the jobs; enable them: systemctl enable --now' "$T/sched.out" \
    || fail "no timer line: $(cat "$T/sched.out")"
rm "$R/etc/cron.d/bootstack-report" "$R/etc/cron.d/bootstack-report.dist"
: >"$T/build.log"
scratch_make "$T/build" install DESTDIR="$R"
ls "$R/etc/cron.d" | grep -q . && fail "an upgrade without SCHEDULER brought cron files back: $(ls "$R/etc/cron.d")"
grep -q 'scheduler\|cron' "$T/build.log" && fail "an upgrade said something about the scheduler: $(cat "$T/build.log")"
echo "# 090 scheduler: systemd kept across an upgrade, $(grep -c . "$T/sched.out") lines at the switch"

# --- the manuals ----------------------------------------------------------------------
BIN=$R/usr/bin/bootstack
API=$R/usr/sbin/bootstack-api
for m in usr/share/man/man1/bootstack.1 usr/share/man/man8/bootstack-api.8 \
    usr/share/man/man5/bootstack.conf.5; do
	MANWIDTH=80 man --warnings -l "$R/$m" >"$T/man.txt" 2>"$T/man.err" \
	    || fail "man -l $m failed: $(cat "$T/man.err")"
	[ -s "$T/man.err" ] && fail "man -l $m warns: $(head -5 "$T/man.err")"
	[ "$(wc -l <"$T/man.txt")" -gt 40 ] || fail "$m renders nearly empty"
done
MANWIDTH=250 man -l "$R/usr/share/man/man1/bootstack.1" >"$T/bootstack.1.txt" 2>/dev/null
"$BIN" --help >"$T/help" || fail "bootstack --help"
cmds=$(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$T/help")
[ "$(echo "$cmds" | wc -w)" -ge 8 ] || fail "too few commands in --help: $cmds"
for c in $cmds; do
	grep -qE "^ +$c( |$)" "$T/bootstack.1.txt" || fail "bootstack(1) has no section for '$c'"
	"$BIN" "$c" --help >>"$T/help" || fail "bootstack $c --help"
done
for o in $(grep -oE -- '--[a-z][a-z-]+' "$T/help" | sort -u); do
	grep -qF -- "$o" "$T/bootstack.1.txt" || fail "bootstack(1) does not mention $o"
done
MANWIDTH=250 man -l "$R/usr/share/man/man8/bootstack-api.8" >"$T/api.8.txt" 2>/dev/null
"$API" -h >"$T/api-help" || fail "bootstack-api -h"
for o in $(grep -oE -- '(^| )-(-[a-z]+|[a-zA-Z])' "$T/api-help" | sort -u); do
	grep -qF -- "$o" "$T/api.8.txt" || fail "bootstack-api(8) does not mention $o"
done
for s in SIGHUP SIGTERM SIGUSR1 SIGUSR2; do
	grep -q "$s" "$T/api.8.txt" || fail "bootstack-api(8) does not describe $s"
done
MANWIDTH=250 man -l "$R/usr/share/man/man5/bootstack.conf.5" >"$T/conf.5.txt" 2>/dev/null
"$BIN" -c /dev/null check-config --keys >"$T/keys" || fail "check-config --keys"
nkeys=$(awk -F'\t' '$2 != ""' "$T/keys" | wc -l)
[ "$nkeys" -gt 50 ] || fail "check-config --keys lists $nkeys keys"
awk -F'\t' '$2 != "" { print $2 }' "$T/keys" | sort -u | while read -r k; do
	grep -qE "^ +$k( = | \(unset\))" "$T/conf.5.txt" || { echo "$k"; break; }
done >"$T/missing"
[ -s "$T/missing" ] && fail "bootstack.conf(5) misses key $(cat "$T/missing")"
grep -q "^ *migrations_dir = /usr/share/bootstack/sql" "$T/conf.5.txt" \
    || fail "bootstack.conf(5) does not show the configured default paths"

# --- systemd: the units, tmpfiles.d and sysusers.d ----------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
	# An offline root: the distribution's units (for the default
	# dependencies), ours, and the programs they run.
	V=$T/vroot
	mkdir -p "$V/usr/lib/systemd" "$V/usr/bin" "$V/usr/sbin" "$V/etc"
	ln -s usr/bin "$V/bin"
	ln -s usr/sbin "$V/sbin"
	ln -s usr/lib "$V/lib"
	cp -a /usr/lib/systemd/system "$V/usr/lib/systemd/"
	cp "$R"/usr/lib/systemd/system/bootstack-* "$V/usr/lib/systemd/system/"
	cp "$BIN" "$V/usr/bin/"
	cp "$API" "$V/usr/sbin/"
	cp "$(type -P kill)" "$V/usr/bin/kill"
	cp "$(readlink -f "$(type -P sh)")" "$V/usr/bin/sh"
	units=$(cd "$R/usr/lib/systemd/system" && ls bootstack-*)
	(cd "$V/usr/lib/systemd/system" && systemd-analyze verify --man=no --root="$V" $units) \
	    >"$T/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$T/verify.out")"
	[ -s "$T/verify.out" ] && fail "systemd-analyze verify warns: $(head -5 "$T/verify.out")"
	# the sandbox of every service: exposure at most 2.5 of 10 (the
	# threshold counts tenths)
	scores=""
	for u in $(cd "$R/usr/lib/systemd/system" && ls bootstack-*.service); do
		systemd-analyze security --offline=true --root="$V" --threshold=25 "$u" \
		    >"$T/security.out" 2>&1 || fail "systemd-analyze security $u: $(tail -3 "$T/security.out")"
		scores="$scores $u=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$T/security.out")"
	done
	echo "# 090 systemd-analyze security:$scores"
	if command -v systemd-sysusers >/dev/null 2>&1; then
		cp -a /etc/passwd /etc/group /etc/shadow /etc/gshadow "$V/etc/" 2>/dev/null
		systemd-sysusers --root="$V" "$R/usr/lib/sysusers.d/bootstack.conf" \
		    >"$T/sysusers.out" 2>&1 || fail "systemd-sysusers: $(cat "$T/sysusers.out")"
		grep -q '^bootstack:' "$V/etc/passwd" || fail "sysusers.d made no bootstack user"
		grep -qE '^bootstack:.*www-data' "$V/etc/group" || fail "www-data is not in group bootstack"
		systemd-tmpfiles --root="$V" --create "$R/usr/lib/tmpfiles.d/bootstack.conf" \
		    >"$T/tmpfiles.out" 2>&1 || fail "systemd-tmpfiles: $(cat "$T/tmpfiles.out")"
		[ -d "$V/var/lib/bootstack" ] && [ -f "$V/var/log/bootstack/api.log" ] \
		    || fail "tmpfiles.d made no /var/lib/bootstack or api.log"
	fi
else
	echo "# 090-install: systemd-analyze not installed; the units were not verified" >&2
fi

# --- the installed programs serve the API through nginx ----------------------------
"$BIN" --version | grep -qx 'bootstack 90.0.0' || fail "installed bootstack: $("$BIN" --version)"
"$API" -V | grep -qx 'bootstack-api 90.0.0' || fail "installed bootstack-api: $("$API" -V)"
BS_BIN=$BIN
BS_API_BIN=$API
BS_SQLDIR=$R/usr/share/bootstack/sql
BS_API_ROLE=bs_api	# the API's role, made by migrate; the owner is $PGUSER
pg_start
nginx_tls_prepare
old="template_dir = $BS_TOP_BUILDDIR/nginx"
NGINX_TLS_INI=${NGINX_TLS_INI/"$old"/"template_dir = $R/usr/share/bootstack/nginx"}
write_config "$(api_config)
$NGINX_TLS_INI"
"$BIN" check-config >"$T/check.log" 2>&1 || fail "check-config: $(cat "$T/check.log")"
"$BIN" migrate >"$T/migrate.log" 2>&1 || fail "installed migrate: $(cat "$T/migrate.log")"
grep -q "applied 0001_init.sql" "$T/migrate.log" || fail "migrate: $(cat "$T/migrate.log")"
"$BIN" migrate | grep -q "nothing to apply" || fail "migrate is not idempotent"
[ -s "$T/check.log" ] && grep -q warning "$T/check.log" && fail "check-config warned: $(cat "$T/check.log")"
api_start
grep -q "superuser\|owns the tables" "$T/api.log" && fail "the installed daemon runs with too many rights: $(cat "$T/api.log")"
[ "$(psql -Atc "SELECT rolsuper FROM pg_roles WHERE rolname = 'bs_api'")" = f ] || fail "bs_api was not made"
nginx_tls_start
[ "$(tls_status /readyz)" = 200 ] || fail "readyz through nginx: $(cat "$T/body")"
[ "$(tls_status /version)" = 200 ] && grep -q '"version":"90.0.0"' "$T/body" \
    || fail "version: $(cat "$T/body")"
"$BIN" tenant create acme >/dev/null || fail "tenant create"
KEY=$("$BIN" key create --tenant acme --scope write) || fail "key create"
code=$(tls_status /v1/tasks -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d '{"title":"installed"}')
[ "$code" = 201 ] || fail "POST /v1/tasks: $code $(cat "$T/body")"
"$BIN" nginx render --check | grep -q unchanged || fail "nginx render is not idempotent"

# --- environments: --env NAME, BOOTSTACK_ENV, -c first -------------------------------
(
	unset BOOTSTACK_CONF
	"$BIN" --env nowhere check-config 2>"$T/env.err" && exit 1
	grep -q "unknown environment 'nowhere' (--env): /etc/bootstack/nowhere.conf does not exist" \
	    "$T/env.err" || { cat "$T/env.err"; exit 1; }
	export BOOTSTACK_CONF_DIR=$T/envs
	mkdir -p "$T/envs"
	cp "$BS_CONF" "$T/envs/staging.conf"
	printf '[api]\nworkers = 3\n' >"$T/envs/production.conf"
	"$BIN" --env staging migrate status | grep -q "0001 .*applied" || exit 2
	BOOTSTACK_ENV=staging "$BIN" migrate | grep -q "nothing to apply" || exit 3
	"$BIN" check-config --env production | grep -qx "$T/envs/production.conf: ok" || exit 4
	BOOTSTACK_ENV=production "$BIN" -c "$T/envs/staging.conf" check-config \
	    | grep -qx "$T/envs/staging.conf: ok" || exit 5
	BOOTSTACK_ENV=nope "$BIN" check-config 2>"$T/env.err" && exit 6
	grep -q "unknown environment 'nope' (BOOTSTACK_ENV).*environments in $T/envs: production, staging" \
	    "$T/env.err" || { cat "$T/env.err"; exit 7; }
	"$BIN" --env ../staging check-config 2>"$T/env.err" && exit 8
	grep -q "bad environment name" "$T/env.err" || exit 9
	"$API" --env staging -t | grep -qx "$T/envs/staging.conf: ok" || exit 10
	BOOTSTACK_ENV=nope "$API" -t 2>/dev/null && exit 11
	exit 0
) || fail "environments (step $?): $(cat "$T/env.err" 2>/dev/null)"

# --- make uninstall takes everything back -------------------------------------------
api_stop
# The operator's own files stay; these are the ones installed.
sed -i '/edited by the operator/d' "$R/etc/bootstack/bootstack.conf"
cp "$R/etc/logrotate.d/bootstack.ucf-dist" "$R/etc/logrotate.d/bootstack"
scratch_make "$T/build" uninstall DESTDIR="$R"
left=$(find "$R" -type f | head -5)
[ -z "$left" ] || fail "make uninstall left: $left"
pass
