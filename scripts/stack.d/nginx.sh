# shellcheck shell=bash
# scripts/stack.d/nginx.sh: nginx: render conf/nginx.conf.in, start it, wait for GET /ping.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

# RATE_LIMIT=N: at most N requests per second per client address (bursts of 2N), beyond that 429.
# NOTES_AUTH=on adds its own limit on POST /token and /users/ (AUTH_RATE_LIMIT per second, bursts
# of 5 times that; 0 = off): argon2id is slow on purpose, so a password-guessing flood from one
# address must not occupy the pool. Requests whose key is empty (every other path) are not
# counted by that zone.
auth_rate_limit() {
	[ "$AUTH" = on ] && echo "${AUTH_RATE_LIMIT:-2}" || echo 0
}

rate_limit_zone() {
	local any=0
	if [ "${RATE_LIMIT:-0}" -gt 0 ]; then
		echo "limit_req_zone \$binary_remote_addr zone=notes_api:10m rate=${RATE_LIMIT}r/s;"
		any=1
	else
		echo "# rate limit off (RATE_LIMIT=0)"
	fi
	if [ "$(auth_rate_limit)" -gt 0 ]; then
		echo "map \$uri \$notes_auth_limit_key { default \"\"; ~^/(token|users)/?\$ \$binary_remote_addr; }"
		echo "limit_req_zone \$notes_auth_limit_key zone=notes_auth:10m rate=$(auth_rate_limit)r/s;"
		any=1
	fi
	[ $any = 1 ] && echo "limit_req_status 429;"
	return 0
}

# NOTES_METRICS_ALLOW=NET: this network may read /metrics too (loopback always may).
metrics_allow() {
	local net=${NOTES_METRICS_ALLOW:-}
	if [ -z "$net" ]; then
		echo "# metrics: loopback only"
		return
	fi
	[[ $net =~ ^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$ ]] || die "metrics_allow must be an address or a network (CIDR): $net"
	echo "allow $net;"
}

rate_limit() {
	if [ "${RATE_LIMIT:-0}" -gt 0 ]; then
		echo "limit_req zone=notes_api burst=$((2 * RATE_LIMIT)) nodelay;"
	else
		echo "# rate limit off"
	fi
	if [ "$(auth_rate_limit)" -gt 0 ]; then
		echo "limit_req zone=notes_auth burst=$((5 * $(auth_rate_limit))) nodelay;"
	fi
	return 0
}

render_conf() {
	local user_directive="# (not root: nginx runs as $(id -un))" keep_conn="fastcgi_keep_conn off;"
	local upstream_keepalive="# FastCGI keep-alive off" docs_include="# no conf/docs.conf: no /docs"
	local listen=$PORT
	is_root && user_directive="user $NGINX_USER $NGINX_GROUP;"
	[ -n "$BIND" ] && listen=$BIND:$PORT
	if [ "$KEEPALIVE" -gt 0 ]; then
		upstream_keepalive="keepalive $KEEPALIVE; keepalive_timeout 60s;"
		keep_conn="fastcgi_keep_conn on;"
	fi
	local vars=(
		"USER_DIRECTIVE=$user_directive"
		"NGINX_WORKERS=$NGINX_WORKERS"
		"DAEMON=on"
		"PID_FILE=$RUN_DIR/nginx.pid"
		"ERROR_LOG=$LOG_DIR/nginx-error.log"
		"ACCESS_LOG=$LOG_DIR/nginx-access.log"
		"TEMP_DIR=$STACK_DIR/tmp"
		"LISTEN=$listen"
		"UPSTREAM=unix:$RUN_DIR/fcgi.sock"
		"UPSTREAM_KEEPALIVE=$upstream_keepalive"
		"RESOLVER=# no resolver: the pool is a fixed unix socket"
		"FASTCGI_PASS=notes_pool"
		"FASTCGI_KEEP_CONN=$keep_conn"
		"CONF_DIR=$CONF_OUT"
		"DOCS_ROOT=$STACK_DIR/docs"
		"CLIENT_MAX_BODY=$(client_max_body)"
		"RATE_LIMIT_ZONE=$(rate_limit_zone)"
		"RATE_LIMIT=$(rate_limit)"
		"ACCESS_LOG_FORMAT=$([ "${NOTES_ACCESS_LOG:-json}" = plain ] && echo notes || echo notes_json)"
		"METRICS_ALLOW=$(metrics_allow)"
	)
	HAVE_DOCS=
	local docs_tpl=
	if [ -f "$SRCDIR/conf/docs.conf.in" ]; then
		docs_tpl=$SRCDIR/conf/docs.conf.in
	elif [ -f "$SRCDIR/conf/docs.conf" ]; then
		docs_tpl=$SRCDIR/conf/docs.conf
	fi
	if [ -n "$docs_tpl" ] && [ -x "$SRCDIR/docs/install-assets.sh" ]; then
		# The docs area's installer fills $STACK_DIR/docs (Swagger UI, ReDoc, openapi.json) from
		# the pinned npm packages; without them the API still runs, without /docs.
		if "$SRCDIR/docs/install-assets.sh" --runtime-only "$STACK_DIR/docs" >>"$LOG_DIR/docs.log" 2>&1; then
			HAVE_DOCS=1
		else
			tail -n 5 "$LOG_DIR/docs.log" >&2
			warn "could not install the API docs (log: $LOG_DIR/docs.log); starting without /docs"
		fi
	fi
	if [ -n "$HAVE_DOCS" ]; then
		"$SRCDIR/conf/render" "$docs_tpl" "$CONF_OUT/docs.conf" "${vars[@]}" "DOCS_INCLUDE=" ||
			die "cannot render $docs_tpl"
		docs_include="include $CONF_OUT/docs.conf;"
		is_root && chmod -R a+rX "$STACK_DIR/docs"
	fi
	cp "$SRCDIR/conf/fastcgi_params" "$CONF_OUT/fastcgi_params"
	render_cors
	"$SRCDIR/conf/render" "$SRCDIR/conf/nginx.conf.in" "$CONF_OUT/nginx.conf" "${vars[@]}" \
		"DOCS_INCLUDE=$docs_include" || die "cannot render conf/nginx.conf.in"
}

# nginx refuses bodies a little over the worker's limit itself (the worker answers 413 between).
client_max_body() {
	local max=${NOTES_MAX_BODY:-65536}
	[[ $max =~ ^[0-9]+$ ]] || die "NOTES_MAX_BODY must be a number of bytes: $max"
	echo $((max + 8192))
}

nginx_cmd() { nginx -p "$STACK_DIR" -c "$CONF_OUT/nginx.conf" -e "$LOG_DIR/nginx-error.log" "$@"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

nginx_start() {
	nginx_cmd -t -q 2>"$LOG_DIR/nginx-test.log" ||
		{ cat "$LOG_DIR/nginx-test.log" >&2; die "nginx rejects $CONF_OUT/nginx.conf"; }
	port_busy "$PORT" && die "port $PORT is already in use (set PORT=...)"
	say "starting nginx on port $PORT"
	(cd / && nginx_cmd) || { tail -n 20 "$LOG_DIR/nginx-error.log" >&2; die "nginx did not start"; }
}

wait_ping() {
	local i
	for i in $(seq 100); do
		if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/ping" 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	warn "GET /ping did not answer within 20 s; last lines of the logs:"
	tail -n 10 "$LOG_DIR/pool.log" "$LOG_DIR/nginx-error.log" >&2 || true
	return 1
}
