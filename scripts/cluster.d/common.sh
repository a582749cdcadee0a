# scripts/cluster.d/common.sh: the cluster's layout (names, addresses, directories) and the
# helpers every part uses. Sourced by scripts/cluster; defines functions and variables only.
#
# Every host is a network namespace named $CLUSTER_NAME-<host>; their veth pairs meet on a
# bridge that lives in a namespace of its own ($CLUSTER_NAME-sw), so the cluster adds nothing to
# the machine's own network (no address, no link, no firewall rule outside its namespaces) and
# deleting the namespaces removes every link with them.

CLUSTER_NAME=${CLUSTER_NAME:-ncl}
# A private /24 used only inside the cluster's namespaces: the first three octets.
CLUSTER_NET=${CLUSTER_NET:-10.213.0}
CLUSTER_PORT=${CLUSTER_PORT:-8002} # nginx on the web host
APP_HOSTS=${APP_HOSTS:-2}          # app hosts at `up`
APP_WORKERS=${APP_WORKERS:-2}      # FastCGI workers per app host
FCGI_PORT=9000
PG_PORT=5432
BRIDGE=br0

CLUSTER_DIR=$(abspath "${CLUSTER_DIR:-$SRCDIR/var/cluster}")
CLUSTER_DIR=${CLUSTER_DIR%/}
LOG_DIR=$CLUSTER_DIR/log
RUN_DIR=$CLUSTER_DIR/run
BUILD_DIR=$(abspath "${BUILD_DIR:-$SRCDIR/var/build}")

NGINX_USER=www-data NGINX_GROUP=www-data
APP_USER=nobody APP_GROUP=nogroup
PG_USER=postgres

# host_addr HOST: the address the script gives HOST (web, client, monitor, pg1, pg2, appN).
host_addr() {
	case $1 in
	web) echo "$CLUSTER_NET.2" ;;
	client) echo "$CLUSTER_NET.3" ;;
	monitor) echo "$CLUSTER_NET.10" ;;
	pg[1-9]) echo "$CLUSTER_NET.$((10 + ${1#pg}))" ;;
	app[1-9] | app[1-9][0-9]) echo "$CLUSTER_NET.$((20 + ${1#app}))" ;;
	*) return 1 ;;
	esac
}

ns() { printf '%s-%s\n' "$CLUSTER_NAME" "$1"; }

host_dir() { printf '%s/hosts/%s\n' "$CLUSTER_DIR" "$1"; }

# host_argv HOST CMD...: set ARGV to the command line that runs CMD on HOST: inside its network
# namespace, and with HOST's own /run/postgresql (a bind mount in the mount namespace
# `ip netns exec` makes for CMD alone), so that hosts share no Postgres socket or lock file, as
# real hosts would not.
host_argv() {
	local host=$1
	shift
	ARGV=(ip netns exec "$(ns "$host")" sh -c 'mount --bind "$0" /run/postgresql && exec "$@"'
		"$(host_dir "$host")/run" "$@")
}

# pg_argv HOST CMD...: ARGV for CMD on HOST as the postgres user, with pg_autoctl's state in
# HOST's directory.
pg_argv() {
	local host=$1 d
	shift
	d=$(host_dir "$host")
	host_argv "$host" runuser -u "$PG_USER" -- env -C / XDG_CONFIG_HOME="$d/xdg" XDG_DATA_HOME="$d/xdg" \
		XDG_RUNTIME_DIR="$d/xdg" PGHOST=/run/postgresql PGPORT="$PG_PORT" \
		PATH="$(pg_bindir):/usr/bin:/bin" "$@"
}

in_host() { host_argv "$@" && "${ARGV[@]}"; }
as_pg() { pg_argv "$@" && "${ARGV[@]}"; }

# The cluster's namespaces that exist now.
cluster_namespaces() {
	ip netns list 2>/dev/null | awk -v p="$CLUSTER_NAME-" 'index($1, p) == 1 { print $1 }'
}

# App hosts that exist now (app1 app2 ...), in order.
app_hosts() {
	cluster_namespaces | sed -n "s/^$CLUSTER_NAME-\(app[0-9]*\)$/\1/p" | sort -V
}

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root (network namespaces; Postgres and workers then drop to their own users)"
}

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$d/pg_ctl" ] || die "no Postgres server binaries in /usr/lib/postgresql"
	printf '%s\n' "$d"
}

pid_alive() { # pid_alive PIDFILE
	local pid
	[ -f "$1" ] || return 1
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# kill_host_processes HOST SIGNAL: signal every process that runs in HOST's namespace (all of
# them were started by this script: nothing else enters its namespaces).
kill_host_processes() {
	local pids
	pids=$(ip netns pids "$(ns "$1")" 2>/dev/null | tr '\n' ' ')
	[ -n "${pids// /}" ] || return 0
	# shellcheck disable=SC2086
	kill -"$2" $pids 2>/dev/null || true
}

host_has_processes() {
	[ -n "$(ip netns pids "$(ns "$1")" 2>/dev/null)" ]
}

# wait_for SECONDS CMD...: run CMD every 0.2 s until it succeeds, at most SECONDS.
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# The workers' database: every Postgres host, the writable one wherever it is (libpq tries
# them in order). tcp_user_timeout and keepalives end a connection to a host that vanished
# (link down: no RST ever comes) in seconds instead of TCP's minutes.
database_url() {
	local hosts
	hosts="$(host_addr pg1):$PG_PORT,$(host_addr pg2):$PG_PORT"
	printf 'postgresql://notes@%s/notes?target_session_attrs=read-write&connect_timeout=2&keepalives=1&keepalives_idle=2&keepalives_interval=1&keepalives_count=2&tcp_user_timeout=3000\n' "$hosts"
}

# grant_search USER DIR: let USER reach DIR where a parent directory (such as /root) shuts it
# out: search permission (x) for exactly that user, with an ACL.
grant_search() {
	local user=$1 d=$2 chain=()
	while [ "$d" != / ] && [ -n "$d" ]; do
		chain=("$d" "${chain[@]}")
		d=$(dirname "$d")
	done
	for d in "${chain[@]}"; do
		runuser -u "$user" -- test -x "$d" 2>/dev/null && continue
		setfacl -m "u:$user:x" "$d" || die "$user cannot reach $d and setfacl failed; choose another CLUSTER_DIR"
		say "granted $user search permission on $d (ACL u:$user:x)"
	done
}

# start_bg LOG PIDFILE: run ARGV (see host_argv) in the background, in a session of its own.
start_bg() {
	setsid "${ARGV[@]}" </dev/null >>"$1" 2>&1 &
	echo $! >"$2"
}

# all_gone PID...: whether none of these processes runs any more.
all_gone() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
