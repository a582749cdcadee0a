# shellcheck shell=bash
# scripts/stack.d/dirs.sh: the runtime directories under STACK_DIR and the privileges of the users that run each part.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

# As root, Postgres runs as `postgres`, nginx's workers as www-data and the FastCGI workers as
# notes (a system user of their own, created here). They must be able to reach $STACK_DIR: where a parent directory (e.g. /root) denies
# them, grant exactly search permission (x) to exactly those users with an ACL.
grant_search() {
	local user=$1 dir=$2 d
	d=$dir
	local chain=()
	while [ "$d" != / ] && [ -n "$d" ]; do
		chain=("$d" "${chain[@]}")
		d=$(dirname "$d")
	done
	for d in "${chain[@]}"; do
		if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
			command -v setfacl >/dev/null || die "$user cannot reach $d; install acl or choose another STACK_DIR"
			setfacl -m "u:$user:x" "$d" || die "$user cannot reach $d and setfacl failed; choose another STACK_DIR"
			say "granted $user search permission on $d (ACL u:$user:x)"
		fi
	done
}

# The workers' system user: no login, no home, a group of its own (the Postgres socket
# directory lets that group through).
ensure_app_user() {
	id "$APP_USER" >/dev/null 2>&1 && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "notes-api FastCGI workers" "$APP_USER" ||
		die "cannot create the system user $APP_USER"
	say "created the system user $APP_USER (the FastCGI workers)"
}

prepare_dirs() {
	mkdir -p "$STACK_DIR" "$RUN_DIR" "$LOG_DIR" "$CONF_OUT" "$STACK_DIR/tmp" "$STACK_DIR/bin"
	if is_root; then
		chmod 0755 "$STACK_DIR" "$RUN_DIR" "$LOG_DIR" "$CONF_OUT" "$STACK_DIR/tmp" "$STACK_DIR/bin"
		ensure_app_user
		local u
		for u in "$NGINX_USER" "$APP_USER" "$PG_USER"; do
			id "$u" >/dev/null 2>&1 || die "user $u does not exist (is its package installed?)"
			grant_search "$u" "$STACK_DIR"
		done
	fi
	# Unix socket paths are limited to 107 bytes.
	local longest=$PG_SOCK/.s.PGSQL.5432
	[ ${#RUN_DIR} -gt ${#PG_SOCK} ] && longest=$RUN_DIR/.s.PGSQL.5432
	[ ${#longest} -le 100 ] || die "STACK_DIR is too long for unix socket paths: $STACK_DIR"
}

# as_user USER CMD...: run CMD as USER when root (from /, which every user can read).
as_user() {
	local user=$1
	shift
	if is_root; then
		(cd / && runuser -u "$user" -- "$@")
	else
		"$@"
	fi
}
