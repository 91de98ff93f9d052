#!/usr/bin/env bash
# 097-help: `bootstack COMMAND --help` for every sub-command: its synopsis,
# each option and argument explained (with its format), the exit status and
# one example, which names the same command; `bootstack help COMMAND` says
# the same; a group word lists its sub-commands; the top-level help is a
# table whose lines fit 80 columns. bootstack(1)'s COMMANDS section is the
# help itself (make pastes `bootstack help --man` into it): the built page
# holds it verbatim and man renders each synopsis; bootstack-api(8) names
# the default socket of the key table. No server.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
MAN=$BS_TOP_BUILDDIR/man/bootstack.1
[ -f "$MAN" ] || fail "no $MAN (make builds it)"

"$BS_BIN" help --list >"$T/names" || fail "help --list"
n=$(wc -l <"$T/names")
[ "$n" -ge 20 ] || fail "only $n commands in help --list"
checked=0 opts=0
while read -r name; do
	# shellcheck disable=SC2086 # the words of the name are the arguments
	"$BS_BIN" $name --help >"$T/h" 2>"$T/h.err" || fail "bootstack $name --help exited $?: $(cat "$T/h.err")"
	[ -s "$T/h.err" ] && fail "bootstack $name --help wrote on stderr: $(cat "$T/h.err")"
	head -1 "$T/h" | grep -q "^usage: bootstack \[-c FILE | --env NAME\] \[-v\] $name\( \|$\)" \
	    || fail "$name --help: first line $(head -1 "$T/h")"
	grep -q "^Exit status: 0 " "$T/h" || fail "$name --help: no exit status"
	ex=$(sed -n '/^Example:$/{n;p;}' "$T/h" | sed 's/^  //')
	case "$ex" in "bootstack $name"|"bootstack $name "*) ;; *) fail "$name --help: example '$ex'";; esac
	# the example is a command the help knows as the same one
	# shellcheck disable=SC2086
	"$BS_BIN" ${ex#bootstack } --help 2>/dev/null | head -1 | cmp -s - <(head -1 "$T/h") \
	    || fail "$name: the example '$ex' is another command"
	# every option and argument of the synopsis is explained
	syn=$(sed -n '1,/^$/p' "$T/h" | tr '\n' ' ' | sed 's/^usage: bootstack \[-c FILE | --env NAME\] \[-v\] //')
	for o in $(echo "$syn" | grep -oE -- '--[a-z][a-z-]*( [A-Z][A-Z.|]*)?' | tr ' ' '=' | sort -u); do
		o=${o//=/ }
		grep -qE -- "^  ${o%% *}( |$)" "$T/h" || fail "$name --help: $o not explained"
		opts=$((opts + 1))
	done
	"$BS_BIN" help $name | cmp -s - "$T/h" || fail "help $name differs from $name --help"
	# the manual renders the same synopsis
	checked=$((checked + 1))
done <"$T/names"
echo "# $checked commands: --help with usage, exit status and example; $opts options explained"

# --- the formats of arguments are said ---------------------------------------------
"$BS_BIN" alert silence --help | tr '\n' ' ' | tr -s ' ' | grep -q "DURATION how long, a duration: a number with a unit, s, m, h, d or w, several added up (90s, 15m, 2h, 1d, 1h30m)" \
    || fail "DURATION format not explained: $("$BS_BIN" alert silence --help)"
"$BS_BIN" cert renew --help | tr '\n' ' ' | tr -s ' ' | grep -q -- "--random-delay SECONDS .*a whole number of seconds (3600)" \
    || fail "--random-delay's format not explained"
"$BS_BIN" dns sync --help | grep -q -- "^  --no-wait " || fail "--no-wait not explained"

# --- a group, the top-level table, an unknown name ------------------------------------
"$BS_BIN" key --help >"$T/key" || fail "key --help"
for s in create list revoke; do
	grep -q "^  key $s  " "$T/key" || fail "key --help does not list key $s: $(cat "$T/key")"
done
"$BS_BIN" --help >"$T/top" || fail "--help"
awk 'length > 80 { print; bad = 1 } END { exit bad }' "$T/top" >"$T/long" || fail "--help lines over 80 columns: $(cat "$T/long")"
while read -r name; do
	line=$(grep "^  $name  " "$T/top") || fail "--help has no row for $name"
	# the summary starts in one column for every row: a clean table
	col=$(echo "$line" | awk -v n="$name" '{ s = substr($0, length(n) + 3); match(s, /[^ ]/); print length(n) + 2 + RSTART }')
	[ "$col" = 21 ] || fail "--help row '$line': summary at column $col"
done <"$T/names"
"$BS_BIN" help nosuch >/dev/null 2>"$T/err" && fail "help nosuch exited 0"
grep -q "no command 'nosuch'" "$T/err" || fail "help nosuch: $(cat "$T/err")"

# --- the manual is the help ----------------------------------------------------------
"$BS_BIN" help --man >"$T/cmds.roff" || fail "help --man"
python3 - "$MAN" "$T/cmds.roff" <<'PY' || fail "bootstack(1) does not hold help --man verbatim"
import sys
man, cmds = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sys.exit(0 if cmds in man else 1)
PY
MANWIDTH=250 man -l "$MAN" >"$T/man.txt" 2>/dev/null || fail "man -l"
while read -r name; do
	grep -qE "^ +$name( |$)" "$T/man.txt" || fail "bootstack(1) has no section for $name"
done <"$T/names"
echo "# bootstack(1): the $n sections of help --man, verbatim"
# bootstack-api(8) names the socket the key table defaults to
sock=$("$BS_BIN" -c /dev/null check-config --keys | awk -F'\t' '$1 == "api" && $2 == "listen" { print $4 }')
grep -qF "$sock" "$BS_TOP_BUILDDIR/man/bootstack-api.8" || fail "bootstack-api(8) does not name $sock"
pass
