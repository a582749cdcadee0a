#!/bin/sh
# docker/nginx-start.sh: render conf/nginx.conf.in (and conf/docs.conf.in) with conf/render, as
# scripts/stack does on a host, then run nginx in the foreground as the current (non-root) user.
# Environment: UPSTREAM (host:port of the pool, default app:9000; its name is looked up at run
# time through RESOLVER, default 127.0.0.11, Docker's DNS, every 2 s), PORT (default 8002),
# NGINX_WORKERS (default 1), NOTES_MAX_BODY (the workers' limit, default 65536), CONF (templates, default /etc/notes/conf), RUN (default /run/notes).
# FastCGI keep-alive stays off, as on the host (README, "FastCGI keep-alive").
# NOTES_AUTH=on: POST /token and /users/ limited to AUTH_RATE_LIMIT (default 2) requests per
# second per client address, bursts of 5 times that, as scripts/stack does (429 JSON).
set -eu
rate_zone="# rate limit off" rate_limit="# rate limit off"
if [ "${NOTES_AUTH:-off}" = on ] && [ "${AUTH_RATE_LIMIT:-2}" -gt 0 ]; then
	r=${AUTH_RATE_LIMIT:-2}
	rate_zone="map \$uri \$notes_auth_limit_key { default \"\"; ~^/(token|users)/?\$ \$binary_remote_addr; } limit_req_zone \$notes_auth_limit_key zone=notes_auth:10m rate=${r}r/s; limit_req_status 429;"
	rate_limit="limit_req zone=notes_auth burst=$((5 * r)) nodelay;"
fi
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
	"UPSTREAM=unix:$run/unused.sock" \
	"RESOLVER=resolver ${RESOLVER:-127.0.0.11} valid=2s ipv6=off; resolver_timeout 3s; map \$host \$notes_upstream { default ${UPSTREAM:-app:9000}; }" \
	"FASTCGI_PASS=\$notes_upstream" \
	"UPSTREAM_KEEPALIVE=# FastCGI keep-alive off" \
	"FASTCGI_KEEP_CONN=fastcgi_keep_conn off;" \
	"CONF_DIR=$run/conf" \
	"DOCS_ROOT=${DOCS_ROOT:-/usr/share/notes-api/docs}" \
	"CLIENT_MAX_BODY=$((${NOTES_MAX_BODY:-65536} + 8192))" \
	"RATE_LIMIT_ZONE=$rate_zone" \
	"RATE_LIMIT=$rate_limit" \
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
