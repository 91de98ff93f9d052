#!/usr/bin/env bash
# 047-openapi: docs/openapi.json against the router and an independent
# linter. openapi-check.py: the same operations and scopes as
# `bootstack-api --routes`, and per operation exactly the statuses the
# route answers (plus those nginx can give any request), each with an
# example. Then Redocly CLI (pinned in tests/openapi/package-lock.json,
# installed with `npm ci` into the build folder, once per lock file) lints
# the document with its recommended rules, warnings as errors; a copy with
# a defect planted must fail, so the linter is known to be looking.
. "$(dirname "$0")/lib.sh"

"$BS_API_BIN" --routes >"$T/routes" || fail "--routes"
python3 "$BS_TOP_SRCDIR/tests/e2e/openapi-check.py" "$BS_TOP_SRCDIR/docs/openapi.json" "$T/routes" \
    >"$T/check.log" 2>&1 || fail "router and OpenAPI disagree: $(cat "$T/check.log")"
cat "$T/check.log"

command -v npm >/dev/null || fail "npm is not installed (./stack deps)"
L=$BS_TOP_BUILDDIR/tests/openapi-lint
if ! cmp -s "$BS_TOP_SRCDIR/tests/openapi/package-lock.json" "$L/package-lock.json" ||
    [ ! -x "$L/node_modules/.bin/redocly" ]; then
	rm -rf "$L" && mkdir -p "$L" || fail "cannot make $L"
	cp "$BS_TOP_SRCDIR/tests/openapi/package.json" "$BS_TOP_SRCDIR/tests/openapi/package-lock.json" "$L/"
	(cd "$L" && npm ci --ignore-scripts --no-audit --no-fund) >"$T/npm.log" 2>&1 \
	    || fail "npm ci: $(tail -5 "$T/npm.log")"
fi
lint() { "$L/node_modules/.bin/redocly" lint --config "$BS_TOP_SRCDIR/tests/openapi/redocly.yaml" "$1"; }
lint "$BS_TOP_SRCDIR/docs/openapi.json" >"$T/lint.log" 2>&1 || fail "redocly lint: $(tail -20 "$T/lint.log")"
echo "redocly $("$L/node_modules/.bin/redocly" --version): docs/openapi.json is clean"

# A defect the linter must see: an operation without its operationId and
# a response without its description.
python3 - "$BS_TOP_SRCDIR/docs/openapi.json" "$T/broken.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
op = d["paths"]["/v1/tasks"]["get"]
del op["operationId"]
del op["responses"]["200"]["description"]
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
lint "$T/broken.json" >"$T/broken.log" 2>&1 && fail "the linter passed a broken document"
grep -q 'operation-operationId' "$T/broken.log" || fail "the linter missed the operationId: $(tail "$T/broken.log")"
pass
