#!/usr/bin/env bash
# 092-add-resource: docs/add-a-resource.md, replayed. Every block the guide
# asks a newcomer to type (the migration, the handler file, the route
# lines, the Makefile.am lines, the OpenAPI paths, the test) is taken from
# the page by doc-replay.py and applied to a copy of the tree, which is
# built like CI builds (sanitizers, warnings as errors). Then the guide's
# own test runs against that build: /v1/notes answers through nginx. The
# router and the OpenAPI document of the copy must still agree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/install-lib.sh"

scratch_tree "$T/src"
python3 "$BS_TOP_SRCDIR/tests/e2e/doc-replay.py" "$BS_TOP_SRCDIR/docs/add-a-resource.md" \
    "$T/src" >"$T/replay.log" 2>&1 || fail "replaying add-a-resource.md: $(tail -3 "$T/replay.log")"
[ -f "$T/src/app/routes/notes.c" ] && [ -f "$T/src/tests/e2e/099-notes.sh" ] \
    || fail "the replay wrote no handler or test: $(cat "$T/replay.log")"
scratch_configure "$T/src" "$T/build" 92.0.0 --enable-sanitizers --enable-werror
scratch_make "$T/build"

# The guide's test (step 5), on the copy, with the copy's build.
BS_TOP_SRCDIR=$T/src BS_TOP_BUILDDIR=$T/build BS_BIN= BS_API_BIN= BS_SQLDIR= \
    bash "$T/src/tests/e2e/099-notes.sh" </dev/null >"$T/notes.log" 2>&1 \
    || fail "the guide's test failed: $(grep -m1 'not ok' "$T/notes.log")"
grep -q '^ok - 099-notes.sh' "$T/notes.log" || fail "the guide's test did not pass: $(tail -3 "$T/notes.log")"

# Step 4: the document lists exactly the routes the router has.
"$T/build/bootstack-api" --routes >"$T/routes" || fail "--routes"
grep -q '^POST /v1/notes write ' "$T/routes" && grep -q '^GET /v1/notes/{id} read ' "$T/routes" \
    || fail "the router has no notes routes: $(cat "$T/routes")"
python3 "$(dirname "$0")/openapi-check.py" "$T/src/docs/openapi.json" "$T/routes" >&2 \
    || fail "router and OpenAPI disagree"
pass
