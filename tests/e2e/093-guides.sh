#!/usr/bin/env bash
# 093-guides: the guides, followed as written. The terminal sessions of
# authentication, pagination, errors and environments run, in order,
# against what `./stack up` gives a user (PostgreSQL, bootstack-api, nginx
# with TLS from the production templates, its configuration untouched) and
# must print what the pages show (tests/e2e/doc-session.py). Then every
# source file the guides, README.md and docs/architecture.md name must
# exist, so the reading tour cannot point at a file that is gone.
. "$(dirname "$0")/lib.sh"
unset BOOTSTACK_CONF

# The stack the guides are written for: `./stack up` itself (with this
# build's programs and a run folder of its own), and nothing else set.
mkdir -p "$T/session"
cat >"$T/session/stack" <<STACK
#!/bin/sh
BOOTSTACK_RUN_DIR=$T/stack BOOTSTACK_BUILD_DIR=$BS_TOP_BUILDDIR exec bash $BS_TOP_SRCDIR/stack "\$@"
STACK
chmod 755 "$T/session/stack"
at_exit "$T/session/stack down"
"$T/session/stack" up >"$T/up.log" 2>&1 || fail "stack up: $(tail -5 "$T/up.log")"
for page in authentication pagination errors environments; do
	python3 "$BS_TOP_SRCDIR/tests/e2e/doc-session.py" "$BS_TOP_SRCDIR/docs/$page.md" \
	    "$T/session" >"$T/$page.log" 2>&1 || fail "docs/$page.md: $(cat "$T/$page.log")"
done

# Every file the tour and the guides name exists.
cd "$BS_TOP_SRCDIR" || fail "no source folder"
for doc in README.md docs/architecture.md docs/add-a-resource.md docs/authentication.md \
    docs/pagination.md docs/errors.md docs/deploy.md docs/environments.md \
    docs/rollback.md docs/https.md docs/dashboard.md docs/answer-an-alert.md \
    docs/scale-out.md; do
	[ -f "$doc" ] || fail "$doc is missing"
	grep -oE '`(app|lib|tests|dist|nginx|sql|man|docs|bench)/[A-Za-z0-9_./-]+`' "$doc" \
	    | tr -d '`' | sort -u | while read -r f; do
		case "$f" in
		*NNN*|*0NN*|*"<"*|*notes*) continue ;;
		esac
		# a file, a template of one, or the prefix of some ("tests/e2e/041")
		[ -e "$f" ] || [ -e "$f.in" ] || compgen -G "$f*" >/dev/null \
		    || echo "$doc names $f, which does not exist"
	done
done >"$T/missing"
[ -s "$T/missing" ] && fail "$(head -5 "$T/missing")"
pass
