#!/bin/bash
# tests/fuzz/valgrind.sh: the unit tests, the fuzz replays and the integration tests under
# valgrind memcheck. Fails on any memory error (invalid read or write, use of uninitialised
# values, bad free) and on any definite leak, in the test programs and in every worker the
# integration tests start (their logs are checked one by one).
#
# Usage: tests/fuzz/valgrind.sh [--no-integration]   (top_builddir and top_srcdir as under
# `make check`; by hand: top_builddir=BUILD top_srcdir=SRC tests/fuzz/valgrind.sh)
# Exit: 0 clean, 1 errors or leaks found (or a test failed), 77 (skip) in an ASan build, where
# valgrind cannot run and the sanitizers do this job, 99 when valgrind is missing.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:?set top_builddir to the build tree}
integration=1
[ "${1:-}" = --no-integration ] && integration=0

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not found: apt-get install valgrind" >&2; exit 99; }
if ldd "$top_builddir/src/notes-worker" 2>/dev/null | grep -q libasan; then
	echo "SKIP: an AddressSanitizer build (valgrind cannot run it; ASan checks memory there)"
	exit 77
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/notes-valgrind.XXXXXX")
trap 'rm -rf "$logs"' EXIT
# --child-silent-after-fork: spawn-fcgi/cgi-fcgi children are not ours to judge.
VG="$(command -v valgrind) --tool=memcheck --error-exitcode=42 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=30 --child-silent-after-fork=yes --log-file=$logs/vg.%p.log"
failures=0
ran=0

# judge NAME STATUS: the verdict on one program (its exit status and its valgrind logs).
judge() {
	local name=$1 status=$2 bad=0 f
	for f in "$logs"/vg.*.log; do
		[ -e "$f" ] || continue
		if grep -qE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$f"; then
			bad=1
			echo "--- $name: valgrind found problems ($f):"
			grep -vE '^==[0-9]+== *$' "$f" | head -n 60
		fi
		mv "$f" "$f.seen"
	done
	if [ "$status" -ne 0 ] || [ $bad -ne 0 ]; then
		echo "FAIL - $name (exit $status)"
		failures=$((failures + 1))
	else
		echo "ok   - $name"
	fi
	ran=$((ran + 1))
}

for t in "$top_builddir"/tests/unit/test_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	case $t in *.o | *.log | *.trs) continue ;; esac
	$VG "$t" >"$logs/out" 2>&1
	judge "unit ${t##*/}" $?
done
for t in "$top_builddir"/tests/fuzz/replay_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	case $t in *.o | *.log | *.trs) continue ;; esac
	top_srcdir=$top_srcdir $VG "$t" >"$logs/out" 2>&1
	status=$?
	judge "fuzz replay ${t##*/} ($(tail -n 1 "$logs/out"))" $status
done
if [ $integration = 1 ]; then
	for t in "$top_srcdir"/tests/integration/*.sh; do
		[ -f "$t" ] || continue
		TEST_WRAPPER=$VG top_builddir=$top_builddir top_srcdir=$top_srcdir bash "$t" >"$logs/out" 2>&1
		status=$?
		[ $status -ne 0 ] && tail -n 20 "$logs/out"
		judge "integration ${t##*/} (every worker it started)" $status
	done
fi

echo "valgrind: $ran programs, $failures with errors"
[ $ran -gt 0 ] || { echo "valgrind.sh: nothing to run in $top_builddir" >&2; exit 1; }
[ $failures -eq 0 ]
