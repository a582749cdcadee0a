# scripts/cluster.d/app.sh: the app hosts. Each runs the worker pool (spawn-fcgi binds
# ADDR:9000, multiwatch keeps APP_WORKERS notes-workers alive) as nobody, reachable over
# FastCGI from the web host only (libfcgi's FCGI_WEB_SERVER_ADDRS), connected to whichever
# Postgres host is writable (database_url).

WORKER=$CLUSTER_DIR/bin/notes-worker

app_build() {
	local bin=${NOTES_WORKER:-}
	mkdir -p "$CLUSTER_DIR/bin"
	if [ -z "$bin" ]; then
		[ -x "$SRCDIR/configure" ] || (cd "$SRCDIR" && autoreconf -fi >/dev/null)
		mkdir -p "$BUILD_DIR"
		[ -f "$BUILD_DIR/Makefile" ] || (cd "$BUILD_DIR" && "$SRCDIR/configure" -q)
		say "building the worker in $BUILD_DIR"
		make -s -C "$BUILD_DIR" -j"$(nproc)" src/notes-worker >"$LOG_DIR/build.log" 2>&1 ||
			{ tail -n 30 "$LOG_DIR/build.log" >&2; die "build failed (log: $LOG_DIR/build.log)"; }
		bin=$BUILD_DIR/src/notes-worker
	fi
	[ -x "$bin" ] || die "no worker binary: $bin"
	install -m 0755 "$bin" "$WORKER"
}

# app_listening HOST: whether HOST's pool accepts connections (tried from the web host).
app_listening() {
	in_host web bash -c "exec 3<>/dev/tcp/$(host_addr "$1")/$FCGI_PORT" 2>/dev/null
}

# app_start HOST: plug HOST in (a new namespace) and start its pool.
app_start() {
	local host=$1
	cluster_namespaces | grep -qxF "$(ns "$host")" && die "$host exists already"
	net_add_host "$host"
	touch "$LOG_DIR/$host.log"
	say "$host: $APP_WORKERS workers on $(host_addr "$host"):$FCGI_PORT"
	# As in scripts/stack: multiwatch turns SIGTERM into SIGUSR1 (libfcgi's graceful stop) for
	# each worker, and replaces every worker that dies. NOTES_LIST_MAX (default 0 here: unbounded,
	# the tutorial's lists): the drills read every note back with one GET /notes/.
	host_argv "$host" env DATABASE_URL="$(database_url)" FCGI_WEB_SERVER_ADDRS="$(host_addr web)" \
		NOTES_LIST_MAX="${NOTES_LIST_MAX:-0}" \
		${NOTES_STATEMENT_TIMEOUT_MS:+NOTES_STATEMENT_TIMEOUT_MS=$NOTES_STATEMENT_TIMEOUT_MS} \
		spawn-fcgi -n -a "$(host_addr "$host")" -p "$FCGI_PORT" -u "$APP_USER" -g "$APP_GROUP" -- \
		/usr/bin/multiwatch -f "$APP_WORKERS" -r 1000000 -t 1000 -- "$WORKER"
	start_bg "$LOG_DIR/$host.log" "$RUN_DIR/$host.pid"
	wait_for 20 app_listening "$host" ||
		{ tail -n 20 "$LOG_DIR/$host.log" >&2; die "$host: the pool does not listen (log: $LOG_DIR/$host.log)"; }
}

# app_stop HOST: stop HOST's pool gracefully (requests in progress finish), unplug HOST.
app_stop() {
	local host=$1
	if pid_alive "$RUN_DIR/$host.pid"; then
		kill -TERM "$(cat "$RUN_DIR/$host.pid")" 2>/dev/null || true
		wait_for 15 all_gone "$(cat "$RUN_DIR/$host.pid")" || warn "$host: the pool did not stop in 15 s"
	fi
	rm -f "$RUN_DIR/$host.pid"
	net_del_host "$host"
}

# The next free app host name (app1, app2, ...).
app_next_name() {
	local i=1
	while cluster_namespaces | grep -qxF "$(ns "app$i")"; do i=$((i + 1)); done
	[ $i -le 79 ] || die "no more app host addresses"
	echo "app$i"
}
