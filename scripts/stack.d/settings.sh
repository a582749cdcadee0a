# shellcheck shell=bash
# scripts/stack.d/settings.sh: the settings every part reads (init_settings) and the state of the running stack (save_state, load_state).
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/${1#./}" ;;
	esac
}

init_settings() {
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
	APP_USER=nobody APP_GROUP=nogroup
	PG_USER=postgres
	RESPAWNS=1000000 # multiwatch -r: see pool_start
}

# The settings of the running stack are kept in $STATE, so `status`/`down` need no environment.
save_state() {
	{
		printf 'S_PORT=%q\n' "$PORT"
		printf 'S_BIND=%q\n' "$BIND"
		printf 'S_WORKERS=%q\n' "$WORKERS"
		printf 'S_DB_MODE=%q\n' "$DB_MODE"
		printf 'S_DATABASE_URL=%q\n' "$DB_URL"
		printf 'S_KEEPALIVE=%q\n' "$KEEPALIVE"
		printf 'S_DOCS=%q\n' "$HAVE_DOCS"
	} >"$STATE.tmp"
	mv "$STATE.tmp" "$STATE"
}

load_state() {
	S_PORT='' S_BIND='' S_WORKERS='' S_DB_MODE='' S_DATABASE_URL='' S_KEEPALIVE='' S_DOCS=''
	# shellcheck disable=SC1090
	[ -f "$STATE" ] && . "$STATE"
	return 0
}
