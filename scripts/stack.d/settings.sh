# shellcheck shell=bash
# scripts/stack.d/settings.sh: the settings every part reads (init_settings, load_config) and
# the state of the running stack (save_state, load_state). The list of settings, their defaults
# and their checks live in the worker (src/settings.c): load_config asks it for the effective
# values of notes.conf ($NOTES_CONFIG) and the environment.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/${1#./}" ;;
	esac
}

# conf_get KEY: KEY's value in $NOTES_CONFIG ("" when absent), for the few settings needed
# before the worker that reads the whole file is built: stack_dir, build_dir, worker, distcheck.
# A relative path in the file is relative to the file's directory. The worker checks the file
# itself (load_config) before anything starts.
conf_get() {
	[ -n "${NOTES_CONFIG:-}" ] && [ -r "$NOTES_CONFIG" ] || return 0
	local v
	v=$(awk -v key="$1" '
		{ sub(/\r$/, "") }
		/^[ \t]*#/ { next }
		{
			i = index($0, "="); if (i == 0) next
			k = substr($0, 1, i - 1); gsub(/^[ \t]+|[ \t]+$/, "", k)
			if (k != key) next
			v = substr($0, i + 1); gsub(/^[ \t]+|[ \t]+$/, "", v)
			if (v ~ /^".*"$/ && length(v) >= 2) v = substr(v, 2, length(v) - 2)
			val = v
		}
		END { printf "%s", val }' "$NOTES_CONFIG")
	case $1:$v in
	*:) ;;
	stack_dir:/* | build_dir:/* | worker:/*) ;;
	stack_dir:* | build_dir:* | worker:*) v=$(dirname "$NOTES_CONFIG")/$v ;;
	esac
	printf '%s' "$v"
}

init_settings() {
	if [ -n "${NOTES_CONFIG:-}" ]; then
		[ -r "$NOTES_CONFIG" ] || die "cannot read the configuration file $NOTES_CONFIG"
		NOTES_CONFIG=$(abspath "$NOTES_CONFIG")
		export NOTES_CONFIG
	fi
	[ -n "${STACK_DIR:-}" ] || STACK_DIR=$(conf_get stack_dir)
	[ -n "${BUILD_DIR:-}" ] || BUILD_DIR=$(conf_get build_dir)
	[ -n "${NOTES_WORKER:-}" ] || NOTES_WORKER=$(conf_get worker)
	[ -n "${DISTCHECK:-}" ] || DISTCHECK=$(conf_get distcheck)
	STACK_DIR=$(abspath "${STACK_DIR:-$SRCDIR/var}")
	STACK_DIR=${STACK_DIR%/}
	BUILD_DIR=$(abspath "${BUILD_DIR:-$STACK_DIR/build}")
	RUN_DIR=$STACK_DIR/run
	LOG_DIR=$STACK_DIR/log
	CONF_OUT=$STACK_DIR/conf
	PG_DIR=$STACK_DIR/pg
	PG_DATA=$PG_DIR/data
	PG_SOCK=$PG_DIR/run
	STATE=$STACK_DIR/stack.env
	NGINX_USER=www-data NGINX_GROUP=www-data
	# The FastCGI workers' own system user (created by `up` as root): not nobody, which other
	# daemons share. The database roles: one owns the schema and migrates, one is the workers'.
	APP_USER=notes APP_GROUP=notes
	PG_USER=postgres
	DB_OWNER_ROLE=notes_owner DB_APP_ROLE=notes_app
	RESPAWNS=1000000 # multiwatch -r: see pool_start
}

# load_config: every setting's effective value (notes.conf, then the environment, then the
# default) as shell variables named like their environment variables (PORT, WORKERS, ...), from
# the worker's one list of settings; dies naming the file and line of a bad one. Needs WORKER_BIN.
load_config() {
	local out
	out=$("$WORKER_BIN" --config-shell) || die "the settings are refused (see above)"
	# The paths init_settings resolved (relative ones against the file's directory) stay.
	CONFIG_SHELL=$out$'\n'$(printf 'STACK_DIR=%q BUILD_DIR=%q' "$STACK_DIR" "$BUILD_DIR")
	eval "$CONFIG_SHELL"
}

# The settings of the running stack are kept in $STATE, so `status`/`down` need no environment.
save_state() {
	{
		printf 'S_PORT=%q\n' "$PORT"
		printf 'S_BIND=%q\n' "$BIND"
		printf 'S_WORKERS=%q\n' "$WORKERS"
		printf 'S_DB_MODE=%q\n' "$DB_MODE"
		printf 'S_DATABASE_URL=%q\n' "$DB_URL"
		printf 'S_ADMIN_DATABASE_URL=%q\n' "${DB_ADMIN_URL:-}"
		printf 'S_AUTH=%q\n' "$AUTH"
		printf 'S_KEEPALIVE=%q\n' "$KEEPALIVE"
		printf 'S_DOCS=%q\n' "$HAVE_DOCS"
	} >"$STATE.tmp"
	# DATABASE_URL may hold a password (an external server): only this user reads the file.
	chmod 0600 "$STATE.tmp"
	mv "$STATE.tmp" "$STATE"
}

load_state() {
	S_PORT='' S_BIND='' S_WORKERS='' S_DB_MODE='' S_DATABASE_URL='' S_KEEPALIVE='' S_DOCS=''
	S_ADMIN_DATABASE_URL='' S_AUTH=''
	# shellcheck disable=SC1090
	[ -f "$STATE" ] && . "$STATE"
	return 0
}
