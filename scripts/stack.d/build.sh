# shellcheck shell=bash
# scripts/stack.d/build.sh: configure out of tree and build the worker (or use NOTES_WORKER).
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

configure_build() {
	if [ ! -x "$SRCDIR/configure" ]; then
		say "generating configure (autoreconf -fi)"
		(cd "$SRCDIR" && autoreconf -fi >/dev/null)
	fi
	if [ -f "$SRCDIR/config.status" ] && [ "$SRCDIR" != "$BUILD_DIR" ]; then
		die "$SRCDIR is configured in-tree; run 'make distclean' there or set BUILD_DIR=$SRCDIR"
	fi
	mkdir -p "$BUILD_DIR"
	if [ ! -f "$BUILD_DIR/Makefile" ]; then
		say "configuring in $BUILD_DIR"
		(cd "$BUILD_DIR" && "$SRCDIR/configure" -q)
	fi
}

build_worker() {
	if [ -n "${NOTES_WORKER:-}" ]; then
		[ -x "$NOTES_WORKER" ] || die "NOTES_WORKER=$NOTES_WORKER is not an executable"
		WORKER_BIN=$(abspath "$NOTES_WORKER")
		return
	fi
	configure_build
	say "building the worker in $BUILD_DIR"
	make -s -C "$BUILD_DIR" -j"$(nproc)" src/notes-worker >"$LOG_DIR/build.log" 2>&1 ||
		{ tail -n 40 "$LOG_DIR/build.log" >&2; die "build failed (full log: $LOG_DIR/build.log)"; }
	WORKER_BIN=$BUILD_DIR/src/notes-worker
}
