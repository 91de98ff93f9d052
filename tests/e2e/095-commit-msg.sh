#!/usr/bin/env bash
# 095-commit-msg: the repository's commit-msg hook (.githooks/commit-msg,
# CONTRIBUTING.md) in a scratch repository with core.hooksPath set as the
# guide says: a message without a body, without the empty line, with a
# subject that is not "area: ...", or with only comments is refused and
# nothing is committed; a proper one, a fixup! and a merge go through.
. "$(dirname "$0")/lib.sh"

hooks=$BS_TOP_SRCDIR/.githooks
[ -x "$hooks/commit-msg" ] || fail "no executable $hooks/commit-msg"
r=$T/repo
git init -q "$r" || fail "git init"
git -C "$r" config user.name test && git -C "$r" config user.email t@example.test
git -C "$r" config core.hooksPath "$hooks"
n=0
# try EXPECT MESSAGE: commits a new file with MESSAGE; EXPECT ok or refused.
try() {
	n=$((n + 1))
	echo "$n" >"$r/f$n"
	git -C "$r" add "f$n"
	before=$(git -C "$r" rev-list --count HEAD 2>/dev/null || echo 0)
	if printf '%b' "$2" | git -C "$r" commit -q -F - >"$T/out.$n" 2>&1; then got=ok; else got=refused; fi
	after=$(git -C "$r" rev-list --count HEAD 2>/dev/null || echo 0)
	[ "$got" = "$1" ] || fail "message $n ('$2') was $got: $(cat "$T/out.$n")"
	if [ "$got" = ok ]; then
		[ "$after" = $((before + 1)) ] || fail "message $n: no commit made"
	else
		[ "$after" = "$before" ] || fail "message $n: refused but committed"
		git -C "$r" reset -q "f$n"
	fi
}
try ok 'docs: the first commit\n\nBecause a repository needs one.\n'
try refused 'docs: no body\n'
try refused 'docs: no empty line\nthe body\n'
try refused 'Fixed stuff\n\nA subject without its area.\n'
try refused 'docs: only comments\n\n# a comment git drops\n'
try refused '\n'
try ok 'lib, app: two areas\n\nWhy, with #hash inside a line.\n'
try ok 'fixup! docs: the first commit\n'
grep -q 'no body' "$T/out.2" || fail "the refusal does not say why: $(cat "$T/out.2")"
# A merge (its message made by git) passes.
git -C "$r" checkout -q -b side
try ok 'side: a change\n\nOn a branch.\n'
git -C "$r" checkout -q -
try ok 'main: another\n\nSo that the merge is a real one.\n'
git -C "$r" merge -q --no-ff --no-edit side >"$T/merge.out" 2>&1 || fail "merge refused: $(cat "$T/merge.out")"
echo "commit-msg: $n messages, $(git -C "$r" rev-list --count HEAD) commits"
pass
