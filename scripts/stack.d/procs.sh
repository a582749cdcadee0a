# shellcheck shell=bash
# scripts/stack.d/procs.sh: processes started from pid files: alive?, and stop with a deadline.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

pid_alive() { # pid_alive PIDFILE
	local pid
	[ -f "$1" ] || return 1
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_pid PIDFILE SIGNAL NAME: signal, wait up to 15 s, then SIGKILL the process group.
stop_pid() {
	local file=$1 sig=$2 name=$3 pid i
	if ! pid_alive "$file"; then
		rm -f "$file"
		return 0
	fi
	pid=$(cat "$file")
	say "stopping $name (pid $pid)"
	kill -"$sig" "$pid" 2>/dev/null || true
	for i in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "$name did not stop in 15 s: killing it"
		kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$file"
}
