#!/bin/sh
# install-conf.sh: how `make install` treats the files under $(sysconfdir)
# that an operator may edit (the cron files, logrotate, /etc/default/bootstack,
# bootstack.conf), as ucf does for Debian packages: it keeps a record of
# what it installed (the SHA-256 of each file, in RECORD) and never
# overwrites a file that differs from that.
#
#   install-conf.sh RECORD DESTDIR install MODE SRC PATH [DIST]
#	PATH (under DESTDIR) is absent and was never installed: installed.
#	PATH is what was installed last time (or already the new one):
#	replaced by SRC. PATH differs (the operator changed it, or it
#	predates the record): kept; SRC goes beside it as DIST (default
#	PATH.dist) and one line says so. PATH was installed once and is gone
#	now (the operator deleted it): it stays deleted, and one line says so.
#   install-conf.sh RECORD DESTDIR retire PATH
#	the file is no longer wanted (the other scheduler was chosen):
#	removed if it is what was installed, else kept with one line.
#   install-conf.sh RECORD DESTDIR uninstall PATH [DIST]
#	removes PATH if it is what was installed, and DIST; forgets PATH.
#   install-conf.sh RECORD DESTDIR get KEY | set KEY VALUE
#	a setting kept in the record ("scheduler").
#
# RECORD lines: "sha256 HASH PATH" (PATH without DESTDIR) and "set KEY
# VALUE". Lines on stdout start with "make install: ".
set -eu
record=$1
destdir=$2
cmd=$3
shift 3

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# The recorded hash of PATH, or nothing.
recorded() { [ ! -f "$record" ] || awk -v p="$1" '$1 == "sha256" && $3 == p { h = $2 } END { if (h != "") print h }' "$record"; }

# Replaces the record's lines for KIND KEY with "KIND VALUE KEY" (or none).
put() {
	mkdir -p "$(dirname "$record")"
	tmp=$record.tmp.$$
	{ [ ! -f "$record" ] || awk -v k="$1" -v p="$2" '!($1 == k && $3 == p)' "$record"
	  [ -z "$3" ] || printf '%s %s %s\n' "$1" "$3" "$2"; } >"$tmp"
	if [ -s "$tmp" ]; then mv -f "$tmp" "$record"; else rm -f "$tmp" "$record"; fi
}

case $cmd in
install)
	mode=$1 src=$2 path=$3 dist=${4:-$3.dist}
	new=$(sha "$src")
	old=$(recorded "$path")
	full=$destdir$path
	if [ -f "$full" ]; then
		cur=$(sha "$full")
		if [ "$cur" = "$new" ] || [ "$cur" = "$old" ]; then
			[ "$cur" = "$new" ] || install -m "$mode" "$src" "$full"
			rm -f "$destdir$dist"
		else
			install -m "$mode" "$src" "$destdir$dist"
			echo "make install: kept $path (it differs from what was installed); the new version is $dist"
		fi
	elif [ -n "$old" ]; then
		echo "make install: $path was deleted since it was installed; left deleted"
	else
		mkdir -p "$(dirname "$full")"
		install -m "$mode" "$src" "$full"
	fi
	put sha256 "$path" "$new"
	;;
retire)
	path=$1
	full=$destdir$path
	old=$(recorded "$path")
	if [ -f "$full" ] && [ -n "$old" ] && [ "$(sha "$full")" = "$old" ]; then
		rm -f "$full" "$full.dist"
		echo "make install: removed $path (the other scheduler runs its job)"
		put sha256 "$path" ""
	elif [ -f "$full" ]; then
		echo "make install: kept $path, which you changed: delete it, or its job runs twice"
	fi
	;;
uninstall)
	path=$1 dist=${2:-$1.dist}
	full=$destdir$path
	old=$(recorded "$path")
	if [ -f "$full" ] && [ -n "$old" ] && [ "$(sha "$full")" = "$old" ]; then
		rm -f "$full"
	fi
	rm -f "$destdir$dist"
	put sha256 "$path" ""
	;;
get)
	[ ! -f "$record" ] || awk -v k="$1" '$1 == "set" && $3 == k { v = $2 } END { if (v != "") print v }' "$record"
	;;
set)
	put set "$1" "$2"
	;;
*)
	echo "install-conf.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
