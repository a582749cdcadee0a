# shellcheck shell=bash
# scripts/stack.d/config.sh: scripts/stack config: every setting's effective value and origin.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

# The worker holds the one list of settings and reads the file: build it if needed, ask it.
cmd_config() {
	init_settings
	mkdir -p "$LOG_DIR"
	build_worker >&2
	local rc=0
	"$WORKER_BIN" --check-config || rc=$?
	[ $rc -eq 0 ] || exit 2
	printf '# scripts/stack derives: stack_dir %s, build_dir %s\n' "$STACK_DIR" "$BUILD_DIR"
}
