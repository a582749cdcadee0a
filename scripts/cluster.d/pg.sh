# scripts/cluster.d/pg.sh: the Postgres hosts, run by pg_auto_failover: a monitor (host
# `monitor`) and two nodes (pg1, pg2), one primary and one synchronous standby. pg_autoctl runs
# as postgres on each host and supervises its Postgres; the monitor decides fail-overs.

PG_NODES="pg1 pg2"

monitor_url() { printf 'postgres://autoctl_node@%s:%s/pg_auto_failover?sslmode=disable\n' "$(host_addr monitor)" "$PG_PORT"; }

# monitor_sql SQL: run SQL on the monitor's database, print the rows (unaligned).
monitor_sql() {
	as_pg monitor psql -X -q -At -d pg_auto_failover -c "$1"
}

# node_sql HOST SQL: run SQL as postgres in the notes database of HOST.
node_sql() {
	as_pg "$1" psql -X -q -At -d notes -c "$2"
}

pg_prepare_host() {
	local d
	d=$(host_dir "$1")
	mkdir -p "$d/run" "$d/xdg"
	touch "$LOG_DIR/$1.log"
	chown "$PG_USER:" "$d" "$d/run" "$d/xdg" "$LOG_DIR/$1.log"
	chmod 0755 "$d"
	chmod 0775 "$d/run"
}

# The monitor's settings for a quick fail-over (the defaults take about 30 to 50 s): a node is
# checked every second and unhealthy after 5 s without a report; a primary that cannot be told
# to step down is given 5 s. pg_autoctl's documented GUCs, reloadable.
monitor_tune() {
	local setting
	for setting in health_check_period=1000 health_check_timeout=1000 health_check_max_retries=1 \
		health_check_retry_delay=500 node_considered_unhealthy_timeout=5000 primary_demote_timeout=5000; do
		monitor_sql "ALTER SYSTEM SET pgautofailover.${setting%=*} = ${setting#*=}" >/dev/null
	done
	monitor_sql 'SELECT pg_reload_conf()' >/dev/null
}

pg_monitor_up() {
	local d
	d=$(host_dir monitor)
	pg_prepare_host monitor
	say "monitor: pg_autoctl create monitor on $(host_addr monitor):$PG_PORT"
	pg_argv monitor pg_autoctl create monitor \
		--pgdata "$d/data" --pgport "$PG_PORT" --hostname "$(host_addr monitor)" --auth trust \
		--no-ssl --run
	start_bg "$LOG_DIR/monitor.log" "$RUN_DIR/monitor.pid"
	wait_for 90 monitor_sql 'SELECT 1 FROM pgautofailover.formation' ||
		{ tail -n 20 "$LOG_DIR/monitor.log" >&2; die "the monitor did not start (log: $LOG_DIR/monitor.log)"; }
	monitor_tune
}

# node_state HOST: the state the monitor has for HOST (primary, secondary, wait_primary, ...).
node_state() {
	monitor_sql "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '$1'" 2>/dev/null
}

node_is() { [ "$(node_state "$1")" = "$2" ]; }

# current_primary: the node that is primary (or wait_primary, or single) and meant to stay so: a
# primary that was cut off keeps its last reported state, but the monitor's goal for it is no
# longer primary.
current_primary() {
	monitor_sql "SELECT nodename FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single') AND goalstate = reportedstate ORDER BY nodeid LIMIT 1" 2>/dev/null
}

# pg_node_up HOST: create and run a pg_auto_failover node on HOST. The first registers as the
# primary, the second clones it (pg_basebackup) and becomes its synchronous standby.
pg_node_up() {
	local host=$1 d
	d=$(host_dir "$host")
	pg_prepare_host "$host"
	say "$host: pg_autoctl create postgres on $(host_addr "$host"):$PG_PORT"
	pg_argv "$host" pg_autoctl create postgres \
		--pgdata "$d/data" --pgport "$PG_PORT" --hostname "$(host_addr "$host")" --name "$host" \
		--dbname notes --monitor "$(monitor_url)" --auth trust --no-ssl --run
	start_bg "$LOG_DIR/$host.log" "$RUN_DIR/$host.pid"
}

# pg_basebackup_done PRIMARY STANDBY: whether STANDBY is secondary; if not, a CHECKPOINT on
# PRIMARY so that a base backup waiting for one goes on at once.
pg_basebackup_done() {
	node_is "$2" secondary && return 0
	node_sql "$1" CHECKPOINT >/dev/null 2>&1 || true
	sleep 1
	return 1
}

# The app's role and its access from the cluster network (pg_hba.conf of both nodes).
pg_app_access() {
	local host d line="host notes notes $CLUSTER_NET.0/24 trust # scripts/cluster: app hosts"
	for host in $PG_NODES; do
		d=$(host_dir "$host")/data
		grep -qF "$line" "$d/pg_hba.conf" || printf '%s\n' "$line" >>"$d/pg_hba.conf"
		as_pg "$host" psql -X -q -d postgres -c 'SELECT pg_reload_conf()' >/dev/null
	done
}

pg_up() {
	local host
	pg_monitor_up
	pg_node_up pg1
	wait_for 90 node_is pg1 single ||
		{ tail -n 20 "$LOG_DIR/pg1.log" >&2; die "pg1 did not become primary (log: $LOG_DIR/pg1.log)"; }
	node_sql pg1 "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'notes') THEN CREATE ROLE notes LOGIN; END IF; END\$\$;
		ALTER DATABASE notes OWNER TO notes; GRANT ALL ON SCHEMA public TO notes;" >/dev/null
	pg_node_up pg2
	# pg_basebackup waits for a spread checkpoint on the primary (90 s and more here): ask for
	# an immediate one, which ends it, until the standby has its copy.
	wait_for 120 pg_basebackup_done pg1 pg2 ||
		{ tail -n 20 "$LOG_DIR/pg2.log" >&2; die "pg2 did not become the standby (log: $LOG_DIR/pg2.log)"; }
	wait_for 30 node_is pg1 primary || die "pg1 is not primary with pg2 as its standby"
	pg_app_access
	say "migrating the notes database"
	# From an app host's point of view: the client host, through the cluster network.
	in_host client env DATABASE_URL="$(database_url)" "$SRCDIR/scripts/migrate" | sed "s#^#$PROG: #"
}

# pg_status: the monitor's view, as `pg_autoctl show state` prints it.
pg_status() {
	as_pg monitor pg_autoctl show state --pgdata "$(host_dir monitor)/data" 2>/dev/null
}

pg_down() {
	local host
	for host in $PG_NODES monitor; do
		[ -f "$RUN_DIR/$host.pid" ] || continue
		if pid_alive "$RUN_DIR/$host.pid"; then
			as_pg "$host" pg_autoctl stop --pgdata "$(host_dir "$host")/data" >/dev/null 2>&1 || true
		fi
	done
	for host in $PG_NODES monitor; do
		[ -f "$RUN_DIR/$host.pid" ] || continue
		wait_for 20 all_gone "$(cat "$RUN_DIR/$host.pid")" || true
		rm -f "$RUN_DIR/$host.pid"
	done
}
