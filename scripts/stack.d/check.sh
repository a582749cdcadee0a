# shellcheck shell=bash
# scripts/stack.d/check.sh: scripts/stack check: build out of tree and run make check (what CI runs).
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

cmd_check() {
	case ${1:-} in
	"") ;;
	--compose) cmd_check_compose; return ;;
	*) die "check: unknown option $1 (scripts/stack --help)" ;;
	esac
	init_settings
	ensure_packages check
	mkdir -p "$STACK_DIR"
	configure_build
	say "building in $BUILD_DIR"
	make -C "$BUILD_DIR" -j"$(nproc)" >/dev/null
	make -C "$BUILD_DIR" -j"$(nproc)" check TESTS= >/dev/null # the test programs, nothing run
	say "running make check in $BUILD_DIR"
	# One test at a time: the stack tests, drills and valgrind each load both cores, and some
	# check that a client is served in time; side by side they would only measure each other.
	local rc=0
	make -C "$BUILD_DIR" check || rc=$?
	summarize "$BUILD_DIR/test-suite.log" "$rc"
	[ $rc -eq 0 ] || die "make check failed (see $BUILD_DIR/test-suite.log)"
	if [ "${DISTCHECK:-0}" = 1 ]; then
		say "running make distcheck"
		make -C "$BUILD_DIR" distcheck
	fi
}

# check --compose: the compose stack on a Docker engine of its own (tests/compose/test_compose.sh).
cmd_check_compose() {
	is_root || die "check --compose starts its own Docker engine: run it as root"
	ensure_packages check
	say "running the compose test (tests/compose/test_compose.sh)"
	"$SRCDIR/tests/compose/test_compose.sh" || die "the compose test failed"
}

# summarize LOG RC: one closing line, "N passed, N failed", from automake's test-suite.log.
summarize() {
	local log=$1 pass=0 fail=0 skip=0 xfail=0 error=0
	if [ -f "$log" ]; then
		pass=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
		fail=$(sed -n 's/^# FAIL: *//p' "$log" | head -n 1)
		skip=$(sed -n 's/^# SKIP: *//p' "$log" | head -n 1)
		xfail=$(sed -n 's/^# XFAIL: *//p' "$log" | head -n 1)
		error=$(sed -n 's/^# ERROR: *//p' "$log" | head -n 1)
	fi
	if [ "${2:-0}" != 0 ] && [ "${fail:-0}" = 0 ] && [ "${error:-0}" = 0 ]; then
		fail=1 # make check failed before or outside the tests (a build error)
	fi
	echo "check: ${pass:-0} passed, $((${fail:-0} + ${error:-0})) failed, $((${skip:-0} + ${xfail:-0})) skipped"
}
