#!/bin/bash
# tests/e2e/test_compose.sh: the compose stack, checked without a Docker engine.
#  1. `docker-compose config` accepts docker-compose.yml; services, health checks and
#     depends_on conditions are the ones the README promises.
#  2. It stays equivalent to scripts/stack: the images copy conf/ and scripts/migrate + sql/,
#     the migrate service runs scripts/migrate, nginx renders conf/nginx.conf.in with conf/render.
#  3. The images are built from Debian bookworm packages that exist, and run as non-root.
#  4. The containers' start scripts really work: the image layout is rebuilt in a temporary
#     directory and docker/app-pool.sh (TCP pool), docker/nginx-start.sh (as www-data when
#     root) and /app/scripts/migrate run on this host against the stack's Postgres; the
#     compose health checks are run against them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/check.sh
. "$here/check.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 0755 "$tmp"

# --- 1. docker-compose config
(cd "$top" && docker-compose -f docker-compose.yml config) >"$tmp/config.yml" 2>"$tmp/config.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/config.err"
expect "docker-compose config accepts docker-compose.yml" test $rc -eq 0
# Debian's python3-yaml comes with docker-compose: read the normalized config with it.
/usr/bin/python3 - "$tmp/config.yml" >"$tmp/facts" <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
def dep(svc, on):
    return (s[svc].get("depends_on") or {}).get(on, {}).get("condition", "")
print("services=" + ",".join(sorted(s)))
print("db_image=" + s["db"]["image"])
print("db_volume=" + ",".join(v.split(":")[0] + ":" + v.split(":")[1] for v in s["db"].get("volumes", [])))
print("named_volumes=" + ",".join(sorted(c.get("volumes") or {})))
print("migrate_cmd=" + " ".join(s["migrate"]["command"]))
print("migrate_restart=" + str(s["migrate"].get("restart")))
print("migrate_dockerfile=" + s["migrate"]["build"]["dockerfile"])
print("app_dockerfile=" + s["app"]["build"]["dockerfile"])
print("nginx_dockerfile=" + s["nginx"]["build"]["dockerfile"])
print("app_cmd=" + " ".join(s["app"]["command"]))
print("nginx_cmd=" + " ".join(s["nginx"]["command"]))
print("nginx_ports=" + ",".join(str(p) for p in s["nginx"].get("ports", [])))
print("app_ports=" + ",".join(str(p) for p in s["app"].get("ports", [])))
print("app_health=" + s["app"]["healthcheck"]["test"][1])
print("nginx_health=" + " ".join(s["nginx"]["healthcheck"]["test"][1:]))
print("db_health=" + " ".join(s["db"]["healthcheck"]["test"][1:]))
print("dep_migrate_db=" + dep("migrate", "db"))
print("dep_app_db=" + dep("app", "db"))
print("dep_app_migrate=" + dep("app", "migrate"))
print("dep_nginx_app=" + dep("nginx", "app"))
print("db_url=" + s["app"]["environment"]["DATABASE_URL"])
EOF
fact() { sed -n "s/^$1=//p" "$tmp/facts"; }
expect "services: app db migrate nginx ($(fact services))" test "$(fact services)" = app,db,migrate,nginx
expect "db is postgres:15" test "$(fact db_image)" = postgres:15
expect "db keeps its data in the named volume pgdata" test "$(fact db_volume)" = pgdata:/var/lib/postgresql/data
expect "pgdata is declared" test "$(fact named_volumes)" = pgdata
expect "migrate is one-shot" test "$(fact migrate_restart)" = no
expect "migrate waits for a healthy db" test "$(fact dep_migrate_db)" = service_healthy
expect "app waits for a healthy db" test "$(fact dep_app_db)" = service_healthy
expect "app waits for migrate to complete" test "$(fact dep_app_migrate)" = service_completed_successfully
expect "nginx waits for a healthy app" test "$(fact dep_nginx_app)" = service_healthy
expect "nginx is published on 8002" grep -q '8002' <<<"$(fact nginx_ports)"
expect "the FastCGI port is not published" test -z "$(fact app_ports)"
expect "every service has a health check" test -n "$(fact app_health)" -a -n "$(fact nginx_health)" -a -n "$(fact db_health)"

# --- 2. the same parts as scripts/stack
appdf=$top/$(fact app_dockerfile)
ngxdf=$top/$(fact nginx_dockerfile)
expect "migrate and app use one image" test "$(fact migrate_dockerfile)" = "$(fact app_dockerfile)"
expect "the app image copies scripts/migrate to /app/scripts/migrate" grep -Eq '^COPY scripts/migrate /app/scripts/migrate$' "$appdf"
expect "the app image copies sql/ beside it" grep -Eq '^COPY sql/ /app/sql/$' "$appdf"
expect "the migrate service runs scripts/migrate" test "$(fact migrate_cmd)" = /app/scripts/migrate
expect "the nginx image copies conf/" grep -Eq '^COPY conf/ /etc/notes/conf/$' "$ngxdf"
expect "nginx renders conf/nginx.conf.in with conf/render" grep -q '"$conf/render" "$conf/nginx.conf.in"' "$top/docker/nginx-start.sh"

# --- 3. Debian bookworm packages that exist; non-root processes
for df in "$appdf" "$ngxdf"; do
	name=${df##*/}
	froms=$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$df" | sort -u | tr '\n' ' ')
	expect "$name is built from Debian bookworm ($froms)" bash -c "! grep -v -E '^debian:bookworm(-slim)?$' <<<'$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$df")' | grep -q ."
	user=$(awk '/^FROM /{u=""} /^USER /{u=$2} END{print u}' "$df")
	expect "$name runs as a non-root user ($user)" test -n "$user" -a "$user" != root -a "$user" != 0
	pkgs=$(sed -n '/apt-get install/,/rm -rf/p' "$df" | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
		grep -v -E '^(apt-get|install|rm|y|no|recommends|var|lib|apt|lists|useradd|mkdir|chown|p)$' | sort -u)
	missing=
	for p in $pkgs; do
		apt-cache show "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	expect "$name installs Debian packages that exist ($(echo $pkgs | wc -w) packages)${missing:+, missing:$missing}" test -z "$missing"
done

# --- 4. the start scripts, in the images' layout, on this host
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
worker=${NOTES_WORKER:-$STACK_DIR/bin/notes-worker}
mkdir -p "$tmp/app/scripts" "$tmp/app/docker" "$tmp/etc/notes" "$tmp/run"
cp "$top/scripts/migrate" "$tmp/app/scripts/migrate"
cp -r "$top/sql" "$tmp/app/sql"
cp "$top/docker/app-pool.sh" "$tmp/app/docker/"
cp -r "$top/conf" "$tmp/etc/notes/conf"
cp "$top/docker/nginx-start.sh" "$tmp/etc/notes/"
cp "$worker" "$tmp/app/notes-worker"
chmod -R a+rX "$tmp"
if [ "$(id -u)" = 0 ]; then chown www-data "$tmp/run"; fi

# The image's migrate on a fresh database: finds /app/sql beside /app/scripts.
psql -X -q -d "$DATABASE_URL" -c 'CREATE DATABASE compose_db' >/dev/null
cdb=${DATABASE_URL/\/notes\?//compose_db?}
out=$(cd / && DATABASE_URL=$cdb "$tmp/app/scripts/migrate" 2>&1)
expect "the image's migrate applies sql/ ($out)" grep -q 'migrate: applied 001' <<<"$out"

fport=$(free_port)
FCGI_PORT=$fport WORKERS=2 NOTES_WORKER=$tmp/app/notes-worker DATABASE_URL=$cdb \
	setsid "$tmp/app/docker/app-pool.sh" >"$tmp/pool.log" 2>&1 &
pids+=($!)
health=$(fact app_health)
health=${health//127.0.0.1:9000/127.0.0.1:$fport}
up=0
for _ in $(seq 50); do
	if sh -c "$health" 2>/dev/null; then up=1; break; fi
	sleep 0.1
done
expect "docker/app-pool.sh serves FastCGI on TCP; app's health check passes" test $up = 1

hport=$(free_port)
run_nginx=(env PORT=$hport UPSTREAM=127.0.0.1:$fport CONF=$tmp/etc/notes/conf RUN=$tmp/run
	DOCS_ROOT=$STACK_DIR/docs "$tmp/etc/notes/nginx-start.sh")
# As in a container started with USER www-data, the log that stands for its stdout is its own.
: >"$tmp/nginx.log"
if [ "$(id -u)" = 0 ]; then
	run_nginx=(runuser -u www-data -- "${run_nginx[@]}")
	chown www-data "$tmp/nginx.log"
fi
(cd / && setsid "${run_nginx[@]}") >"$tmp/nginx.log" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 50); do
	if curl -fsS -o /dev/null "http://127.0.0.1:$hport/ping" 2>/dev/null; then up=1; break; fi
	sleep 0.1
done
[ $up = 1 ] || sed 's/^/# /' "$tmp/nginx.log" | head -n 20
expect "docker/nginx-start.sh renders conf/ and serves /ping" test $up = 1
nhealth=$(fact nginx_health)
expect "nginx's health check passes" bash -c "${nhealth//8002/$hport} >/dev/null"
if [ "$(id -u)" = 0 ]; then
	user=$(ps -o user= -p "$(cat "$tmp/run/nginx.pid" 2>/dev/null || echo 1)")
	expect "nginx's master runs as www-data ($user)" test "$user" = www-data
fi
answer=$(curl -sS -X POST -H 'Content-Type: application/json' -d '{"title": "in compose", "description": "via TCP"}' \
	-w ' %{http_code}' "http://127.0.0.1:$hport/notes/")
expect "a note is created through the compose nginx and TCP pool ($answer)" grep -q '"in compose".* 201$' <<<"$answer"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @<(head -c 200000 /dev/zero) "http://127.0.0.1:$hport/notes/")
expect "the compose nginx refuses a large body with 413 ($code)" test "$code" = 413
if [ -f "$top/conf/docs.conf.in" ] && [ -f "$STACK_DIR/docs/openapi.json" ]; then
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/docs")
	expect "the compose nginx serves /docs ($code)" test "$code" = 200
fi

echo "$([ $fails -eq 0 ] && echo passed || echo FAILED): $fails failure(s)"
[ $fails -eq 0 ]
