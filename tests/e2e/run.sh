#!/usr/bin/env bash
# tests/e2e/run.sh: runs every end-to-end script (NNN-name.sh) in order,
# each in its own process with its own servers, and prints one line per
# script and a summary. A failing script's logs are printed by lib.sh.
# Arguments: script names or numbers to run only those.
set -u
if [ "${BS_SKIP_E2E:-}" = 1 ]; then
	echo "e2e: skipped (BS_SKIP_E2E=1)"
	exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
pass=0
failn=0
failed=""
for t in "$here"/[0-9][0-9][0-9]-*.sh; do
	name=$(basename "$t")
	if [ $# -gt 0 ]; then
		want=0
		for a in "$@"; do
			case "$name" in "$a"*|"$a") want=1 ;; esac
		done
		[ "$want" = 1 ] || continue
	fi
	start=$(date +%s)
	if bash "$t" </dev/null; then
		pass=$((pass + 1))
	else
		failn=$((failn + 1))
		failed="$failed $name"
	fi
	echo "# $name: $(( $(date +%s) - start ))s"
done
[ -z "$failed" ] || echo "# failed:$failed"
echo "e2e: $pass passed, $failn failed"
[ "$failn" = 0 ]
