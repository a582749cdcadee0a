# scripts/cluster.d/web.sh: the web host. nginx renders the stack's own conf/nginx.conf.in (the
# same server, answer for answer); only the upstream differs: the app hosts over TCP, each taken
# out by passive checks and retried later, and a request that could not be passed to one host
# passed to another (never a POST that one of them may have received: nginx's own rule for
# non-idempotent methods).

WEB_CONF=$CLUSTER_DIR/conf
# A failed connection or request takes a host out for FAIL_TIMEOUT seconds, then it is tried again.
MAX_FAILS=${MAX_FAILS:-1}
FAIL_TIMEOUT=${FAIL_TIMEOUT:-5}

# web_upstream HOST...: the upstream's server list (include file), one line per app host.
web_upstream() {
	local host
	{
		echo "# scripts/cluster: the app hosts (scripts/cluster add-app / remove-app rewrite this)"
		for host in "$@"; do
			echo "server $(host_addr "$host"):$FCGI_PORT max_fails=$MAX_FAILS fail_timeout=${FAIL_TIMEOUT}s;"
		done
	} >"$WEB_CONF/upstream.conf.tmp"
	mv "$WEB_CONF/upstream.conf.tmp" "$WEB_CONF/upstream.conf"
}

web_render() {
	local out=$WEB_CONF/nginx.conf
	mkdir -p "$WEB_CONF" "$CLUSTER_DIR/tmp" "$CLUSTER_DIR/web"
	chmod 0755 "$WEB_CONF" "$CLUSTER_DIR/tmp" "$CLUSTER_DIR/web"
	cp "$SRCDIR/conf/fastcgi_params" "$WEB_CONF/fastcgi_params"
	"$SRCDIR/conf/render" "$SRCDIR/conf/nginx.conf.in" "$out.tmp" \
		"USER_DIRECTIVE=user $NGINX_USER $NGINX_GROUP;" \
		"NGINX_WORKERS=${NGINX_WORKERS:-1}" \
		"DAEMON=on" \
		"PID_FILE=$RUN_DIR/nginx.pid" \
		"ERROR_LOG=$LOG_DIR/nginx-error.log" \
		"ACCESS_LOG=$LOG_DIR/nginx-access.log" \
		"TEMP_DIR=$CLUSTER_DIR/tmp" \
		"LISTEN=$(host_addr web):$CLUSTER_PORT" \
		"UPSTREAM=__CLUSTER_SERVERS__" \
		"UPSTREAM_KEEPALIVE=# FastCGI keep-alive off" \
		"FASTCGI_KEEP_CONN=fastcgi_keep_conn off;" \
		"CONF_DIR=$WEB_CONF" \
		"DOCS_ROOT=$CLUSTER_DIR/docs" \
		"CLIENT_MAX_BODY=$((${NOTES_MAX_BODY:-65536} + 8192))" \
		"RATE_LIMIT_ZONE=# rate limit off" \
		"RATE_LIMIT=# rate limit off" \
		"DOCS_INCLUDE=# no /docs on the cluster" \
		"RESOLVER=# no resolver: the app hosts have fixed addresses" \
		"FASTCGI_PASS=notes_pool" \
		"ACCESS_LOG_FORMAT=notes_json" \
		"METRICS_ALLOW=# metrics: the web host's loopback only" || die "cannot render conf/nginx.conf.in"
	# The two lines that differ from the single stack; both must be found.
	grep -q 'server __CLUSTER_SERVERS__;' "$out.tmp" && grep -q 'fastcgi_next_upstream off;' "$out.tmp" ||
		die "conf/nginx.conf.in changed: no 'server @UPSTREAM@;' or 'fastcgi_next_upstream off;' to replace"
	sed -i \
		-e "s#server __CLUSTER_SERVERS__;#include $WEB_CONF/upstream.conf;#" \
		-e 's#fastcgi_next_upstream off;#fastcgi_next_upstream error timeout; fastcgi_next_upstream_tries 2; fastcgi_next_upstream_timeout 10s;#' \
		-e 's#fastcgi_connect_timeout 5s;#fastcgi_connect_timeout 1s;#' \
		"$out.tmp"
	mv "$out.tmp" "$out"
}

web_nginx() { in_host web nginx -p "$CLUSTER_DIR/web" -c "$WEB_CONF/nginx.conf" -e "$LOG_DIR/nginx-error.log" "$@"; }

# web_ping: GET /ping answers through nginx, seen from the client host.
web_ping() {
	in_host client curl -fsS -o /dev/null --max-time 2 "http://$(host_addr web):$CLUSTER_PORT/ping"
}

web_start() {
	web_render
	web_upstream "$@"
	web_nginx -t -q 2>"$LOG_DIR/nginx-test.log" ||
		{ cat "$LOG_DIR/nginx-test.log" >&2; die "nginx rejects $WEB_CONF/nginx.conf"; }
	say "web: nginx on $(host_addr web):$CLUSTER_PORT"
	web_nginx || { tail -n 20 "$LOG_DIR/nginx-error.log" >&2; die "nginx did not start"; }
	wait_for 20 web_ping || { tail -n 20 "$LOG_DIR/nginx-error.log" >&2; die "GET /ping does not answer"; }
}

# web_reload HOST...: new upstream list, graceful reload (old nginx workers finish their
# requests), wait until the old workers are gone.
web_reload() {
	local master old
	web_upstream "$@"
	web_nginx -t -q 2>"$LOG_DIR/nginx-test.log" ||
		{ cat "$LOG_DIR/nginx-test.log" >&2; die "nginx rejects the new configuration"; }
	master=$(cat "$RUN_DIR/nginx.pid")
	old=$(pgrep -P "$master" | tr '\n' ' ')
	kill -HUP "$master"
	wait_for 30 all_gone $old || warn "old nginx workers still run after 30 s"
}

web_stop() {
	local pid
	pid_alive "$RUN_DIR/nginx.pid" || return 0
	pid=$(cat "$RUN_DIR/nginx.pid")
	kill -QUIT "$pid"
	wait_for 15 all_gone "$pid" || true
}
