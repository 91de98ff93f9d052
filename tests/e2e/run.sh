#!/usr/bin/env bash
# tests/e2e/run.sh: runs the end-to-end scripts (NNN-name.sh), each in its
# own process with its own servers, several at once, and prints one block
# per script as it finishes and a summary line "e2e: P passed, F failed"
# (which `./stack test` reads).
#
# Arguments: script names or numbers to run only those. Environment:
#   BS_E2E_JOBS     scripts run at once (default: cores + 1; most scripts
#                   spend their time waiting on servers). 1 = one by one.
#   BS_E2E_LOGDIR   where the logs go (default BS_TOP_BUILDDIR/tests/e2e/logs):
#                   each run writes its scripts' logs in a folder of its own,
#                   run-DATE-PID, which LOGDIR/latest points to (two runs
#                   from one build folder no longer clobber each other's
#                   logs); a passing script's log is removed, a failing
#                   one's kept, and a run that kept none removes its folder
#   BS_SKIP_E2E=1   skip the suite (exit 77: "skipped" to automake)
#
# A script whose header holds the line "# e2e: alone" (it measures under
# load) runs after the others, by itself. Scripts start longest first, by
# the times of the previous runs (LOGDIR/e2e-times), so the last ones to
# finish are short. After the scripts, one more check: the run left
# nothing new under /etc, /var/lib, /var/log, /run (and no
# /var/tmp/bootstack-*): every test keeps to its own folders.
set -u
if [ "${BS_SKIP_E2E:-}" = 1 ]; then
	echo "e2e: skipped (BS_SKIP_E2E=1)"
	exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
top_build=${BS_TOP_BUILDDIR:-$(cd "$here/../.." && pwd)}
logbase=${BS_E2E_LOGDIR:-$top_build/tests/e2e/logs}
times=$logbase/e2e-times
jobs=${BS_E2E_JOBS:-$(( $(nproc) + 1 ))}
logdir=$logbase/run-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$logdir" || exit 1
ln -sfn "$(basename "$logdir")" "$logbase/latest"

# The host's folders a test must not leave anything in, as a sorted list.
# Noise of the system itself (package manager, journal, other sessions) is
# left out.
host_paths() {
	{
		find /etc /var/lib /var/log /run -xdev 2>/dev/null
		ls -d /var/tmp/bootstack-* 2>/dev/null
	} | grep -vE '^/(var/lib/(apt|dpkg|systemd|ucf|logrotate|man-db)|var/log/(apt|journal|dpkg\.log|alternatives\.log)|run/(user|systemd|utmp|lock|netns$|sshd)|etc/ld\.so\.cache)' \
	    | sort
}
before=$(mktemp "${TMPDIR:-/tmp}/bs-e2e-host.XXXXXX")
host_paths >"$before"

# The scripts to run, in start order: the previous run's longest first.
selected=()
for t in "$here"/[0-9][0-9][0-9]-*.sh; do
	name=$(basename "$t")
	if [ $# -gt 0 ]; then
		want=0
		for a in "$@"; do
			case "$name" in "$a"*|"$a") want=1 ;; esac
		done
		[ "$want" = 1 ] || continue
	fi
	selected+=("$name")
done
order() {
	local n
	for n in "$@"; do
		printf '%s %s\n' "$(awk -v n="$n" '$1 == n { print $2 }' "$times" 2>/dev/null | tail -n 1)" "$n"
	done | sort -k1,1nr -k2,2 | awk '{ print $NF }'
}
pool=()
alone=()
for name in $(order "${selected[@]}"); do
	if grep -q '^# e2e: alone' "$here/$name"; then alone+=("$name"); else pool+=("$name"); fi
done

pass=0
failn=0
failed=""
declare -A pid_name=() pid_start=()
: >"$times.new.$$"

# Reports the script that ran as pid $1 and exited with $2.
report() {
	local name=${pid_name[$1]} rc=$2 secs=$(( $(date +%s) - ${pid_start[$1]} ))
	local log=$logdir/${name%.sh}.log
	unset "pid_name[$1]" "pid_start[$1]"
	printf '%s %s\n' "$name" "$secs" >>"$times.new.$$"
	if [ "$rc" = 0 ] && grep -q "^ok - $name" "$log"; then
		pass=$((pass + 1))
		grep -E '^(ok|# )' "$log"
		rm -f "$log"
	else
		failn=$((failn + 1))
		failed="$failed $name"
		cat "$log"
		grep -q "^not ok - $name" "$log" || echo "not ok - $name: exit $rc"
		echo "# log kept in $log"
	fi
	echo "# $name: ${secs}s"
}

# Starts one script in the background.
start() {
	local name=$1
	bash "$here/$name" </dev/null >"$logdir/${name%.sh}.log" 2>&1 &
	pid_name[$!]=$name
	pid_start[$!]=$(date +%s)
}

# Waits for any one script; reports it.
reap() {
	local pid rc=0
	wait -n -p pid || rc=$?
	[ -n "${pid:-}" ] || return 1
	report "$pid" "$rc"
}

for name in "${pool[@]}"; do
	while [ "${#pid_name[@]}" -ge "$jobs" ]; do reap; done
	start "$name"
done
while [ "${#pid_name[@]}" -gt 0 ]; do reap; done
for name in "${alone[@]}"; do
	start "$name"
	reap
done
# This run's times, and the others' from before (a run of some scripts
# keeps the times of the rest).
{ cat "$times.new.$$"; cat "$times" 2>/dev/null; } | awk '!seen[$1]++' >"$times.tmp.$$"
mv -f "$times.tmp.$$" "$times"
rm -f "$times.new.$$"
# Nothing kept: no folder left (and no latest pointing at it).
if rmdir "$logdir" 2>/dev/null && [ "$(readlink "$logbase/latest")" = "$(basename "$logdir")" ]; then
	rm -f "$logbase/latest"
fi

# Nothing of the run is left on the host.
host_paths >"$before.after"
left=$(comm -13 "$before" "$before.after")
rm -f "$before" "$before.after"
if [ -z "$left" ]; then
	pass=$((pass + 1))
	echo "ok - host: nothing left under /etc /var/lib /var/log /run /var/tmp/bootstack-*"
else
	failn=$((failn + 1))
	failed="$failed host"
	echo "not ok - host: the run left $(echo "$left" | wc -l) new paths:"
	echo "$left" | head -n 20 | sed 's/^/#   /'
fi
[ -z "$failed" ] || echo "# failed:$failed"
echo "e2e: $pass passed, $failn failed"
[ "$failn" = 0 ]
