#!/bin/sh
# docker/nginx-start.sh: render conf/nginx.conf.in (and conf/docs.conf.in) with conf/render, as
# scripts/stack does on a host, then run nginx in the foreground as the current (non-root) user.
# Environment: UPSTREAM (host:port of the pool, default app:9000), PORT (default 8002),
# NGINX_WORKERS (default 1), NOTES_MAX_BODY (the workers' limit, default 65536), CONF (templates, default /etc/notes/conf), RUN (default /run/notes).
# FastCGI keep-alive stays off, as on the host (README, "FastCGI keep-alive").
set -eu
conf=${CONF:-/etc/notes/conf}
run=${RUN:-/run/notes}
mkdir -p "$run/conf" "$run/tmp"
set -- \
	"USER_DIRECTIVE=# runs as $(id -un)" \
	"NGINX_WORKERS=${NGINX_WORKERS:-1}" \
	"DAEMON=off" \
	"PID_FILE=$run/nginx.pid" \
	"ERROR_LOG=stderr" \
	"ACCESS_LOG=/dev/stdout" \
	"TEMP_DIR=$run/tmp" \
	"LISTEN=${PORT:-8002}" \
	"UPSTREAM=${UPSTREAM:-app:9000}" \
	"UPSTREAM_KEEPALIVE=# FastCGI keep-alive off" \
	"FASTCGI_KEEP_CONN=fastcgi_keep_conn off;" \
	"CONF_DIR=$run/conf" \
	"DOCS_ROOT=${DOCS_ROOT:-/usr/share/notes-api/docs}" \
	"CLIENT_MAX_BODY=$((${NOTES_MAX_BODY:-65536} + 8192))" \
	"RATE_LIMIT_ZONE=# rate limit off" \
	"RATE_LIMIT=# rate limit off" \
	"ACCESS_LOG_FORMAT=notes_json" \
	"METRICS_ALLOW=${METRICS_ALLOW:+allow $METRICS_ALLOW;}"
docs_include="# no conf/docs.conf.in: no /docs"
if [ -f "$conf/docs.conf.in" ] && [ -f "${DOCS_ROOT:-/usr/share/notes-api/docs}/openapi.json" ]; then
	"$conf/render" "$conf/docs.conf.in" "$run/conf/docs.conf" "$@" "DOCS_INCLUDE="
	docs_include="include $run/conf/docs.conf;"
fi
cp "$conf/fastcgi_params" "$run/conf/fastcgi_params"
"$conf/render" "$conf/nginx.conf.in" "$run/conf/nginx.conf" "$@" "DOCS_INCLUDE=$docs_include"
exec nginx -p "$run" -c "$run/conf/nginx.conf" -e stderr
