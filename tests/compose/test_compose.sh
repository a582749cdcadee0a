#!/bin/bash
# tests/compose/test_compose.sh: the compose stack (docker-compose.yml) really built and run, on a
# Docker engine of its own. As root (it starts dockerd); run by .ci/run, `make check-compose` and
# `scripts/stack check --compose`.
#   1. engine: tests/compose/engine starts a private dockerd (own data root, exec root, socket;
#      the host's iptables untouched) and stops it at the end, whatever happens;
#   2. images: tests/compose/base-image makes debian:bookworm(-slim) with debootstrap (cached in
#      $NOTES_CI_CACHE), docker/postgres.Dockerfile stands in for postgres:15 (POSTGRES_IMAGE),
#      `docker-compose build` builds every image of the compose file; each is non-root, from
#      Debian packages only, and its size is printed;
#   3. up from nothing on a free port, every health check green; health follows the database;
#   4. through the published nginx port: the oracle replay (every recorded case) and /docs in
#      headless Chromium; the workers connect as notes_app, which cannot do DDL or reach another
#      database;
#   5. lifecycle: down/up keeps notes; `restart db` under a write load loses no acknowledged write
#      and recovers by itself; SIGKILL of the app's main process is recovered by the restart
#      policy; a recreated app (new address) is found by nginx without a restart; `docker stop`
#      of nginx and of app during a load drops no request in flight; `down -v` leaves nothing.
# Environment: NOTES_CI_CACHE (default /var/cache/notes-ci: the base image tarball and, unless
# another run holds it, the engine's data root, i.e. the layer cache), COMPOSE_TEST_KEEP=1 (leave
# the engine and stack running; prints how to reach them).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
t_start=$SECONDS
fails=0
ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; return 1; fi
}
say() { echo "# $*"; }
phase() { say "[$((SECONDS - t_start)) s] $*"; }
die() {
	echo "FAIL - $*"
	echo "FAILED: setup did not complete"
	exit 1
}

[ "$(id -u)" = 0 ] || { echo "SKIP: the compose test starts its own dockerd: run it as root"; exit 77; }
for tool in dockerd docker docker-compose debootstrap python3 psql flock; do
	command -v "$tool" >/dev/null || die "$tool is missing (scripts/packages.txt lists its package)"
done

cache=${NOTES_CI_CACHE:-/var/cache/notes-ci}
mkdir -p "$cache"
work=$(mktemp -d /tmp/notes-compose.XXXXXX)
chmod 0755 "$work"
# The layer cache: the engine's data root kept in $cache between runs, by one run at a time.
exec 8>"$cache/engine-data.lock"
if flock -n 8; then
	export DOCKER_DATA_ROOT=$cache/engine-data
	say "engine data root (layer cache): $DOCKER_DATA_ROOT"
else
	exec 8>&-
	say "another run holds $cache/engine-data: a private data root, nothing cached"
fi

export COMPOSE_PROJECT_NAME=notesci$$
export COMPOSE_FILE=$top/docker-compose.yml
export POSTGRES_IMAGE=notes-ci-postgres:15
POSTGRES_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
NOTES_APP_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export POSTGRES_PASSWORD NOTES_APP_PASSWORD
NOTES_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# 4 workers: the health checks may hold one each while the stop checks hold two in flight,
# waiting on a lock for seconds (a statement timeout of 30 s instead of 5 lets them wait).
export NOTES_PORT NOTES_BIND=127.0.0.1 WORKERS=4 NOTES_STATEMENT_TIMEOUT_MS=30000
BASE_URL=http://127.0.0.1:$NOTES_PORT
dc() { (cd "$top" && docker-compose "$@"); }

cleanup() {
	if [ "${COMPOSE_TEST_KEEP:-0}" = 1 ]; then
		say "kept: DOCKER_HOST=$DOCKER_HOST COMPOSE_PROJECT_NAME=$COMPOSE_PROJECT_NAME $BASE_URL; stop with: $here/engine stop $work/engine"
		return
	fi
	if [ -n "${DOCKER_HOST:-}" ]; then
		dc down -v --remove-orphans -t 5 >/dev/null 2>&1
	fi
	"$here/engine" stop "$work/engine"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. engine
phase "starting a private dockerd in $work/engine"
out=$("$here/engine" start "$work/engine") || die "the engine did not start"
export "$out"
expect "a private Docker engine answers ($(docker version --format "{{.Server.Version}}" 2>/dev/null))" bash -c "docker info >/dev/null 2>&1"
if [ -n "${DOCKER_DATA_ROOT:-}" ]; then
	# A run that died left containers or volumes in the cached data root: they are ours.
	left=$(docker ps -aq)
	[ -z "$left" ] || docker rm -f $left >/dev/null
	docker volume prune -f >/dev/null
	docker network prune -f >/dev/null
	docker image prune -f --filter until=168h >/dev/null
fi

# --- 2. images
phase "base image"
"$here/base-image" || die "no base image"
phase "building $POSTGRES_IMAGE (docker/postgres.Dockerfile, for postgres:15) and the compose file's images, side by side"
t0=$SECONDS
(
	nice docker build -q --network host -f "$top/docker/postgres.Dockerfile" -t "$POSTGRES_IMAGE" "$top" >"$work/build-postgres.log" 2>&1
	echo $? >"$work/build-postgres.rc"
	echo $((SECONDS - t0)) >"$work/build-postgres.s"
) &
bp=$!
# Each line of the build's output with the second it came at, to see where the time goes.
stamped() { local line; while IFS= read -r line; do printf '%4d %s\n' $((SECONDS - t0)) "$line"; done; }
nice docker-compose -f "$COMPOSE_FILE" build --parallel 2>&1 | stamped >"$work/build.log"
brc=${PIPESTATUS[0]}
t_build=$((SECONDS - t0))
sed -n 's/^ *\([0-9]*\) Successfully tagged \(.*\)$/\2 at \1 s/p' "$work/build.log" | tr '\n' ' ' | sed 's/^/# built: /; s/ $/\n/'
wait $bp
t_pg=$(cat "$work/build-postgres.s")
[ "$(cat "$work/build-postgres.rc")" = 0 ] ||
	{ tail -n 30 "$work/build-postgres.log"; die "docker build of docker/postgres.Dockerfile failed"; }
[ $brc = 0 ] || { tail -n 40 "$work/build.log"; die "docker-compose build failed"; }
ok "images built: $POSTGRES_IMAGE in $t_pg s, the compose file's in $t_build s"
for image in notes-api-app:latest notes-api-migrate:latest notes-api-nginx:latest "$POSTGRES_IMAGE"; do
	user=$(docker image inspect -f '{{.Config.User}}' "$image" 2>/dev/null)
	size=$(docker image inspect -f '{{.Size}}' "$image" 2>/dev/null)
	expect "$image runs as a non-root user ($user)" test -n "$user" -a "$user" != root -a "$user" != 0
	say "size: $image $((size / 1000000)) MB"
	echo "size $image $((size / 1000000))" >>"$work/sizes"
done
froms=$(cat "$top"/docker/*.Dockerfile | sed -n 's/^FROM \([^ ]*\).*/\1/p' | sort -u | tr '\n' ' ')
expect "every image starts FROM the Debian base ($froms)" \
	test -z "$(printf '%s\n' $froms | grep -v -E '^debian:bookworm(-slim)?$')"

# --- 3. up from nothing
wait_healthy() { # SERVICE SECONDS
	local id state deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		id=$(cid "$1" 2>/dev/null)
		if [ -n "$id" ]; then
			state=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null)
			[ "$state" = healthy ] && return 0
		fi
		sleep 1
	done
	return 1
}
# The container of a service: what `docker-compose ps -q` says, through the docker client (the
# checks ask often, and docker-compose, a Python program, takes a second to start on a loaded
# machine).
cid() {
	docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
		--filter "label=com.docker.compose.service=$1" --filter label=com.docker.compose.oneoff=False | head -n 1
}
ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(cid "$1")"; }
show_logs() { dc logs --no-color --tail=30 "$@" 2>&1 | sed 's/^/# /'; }
# health_log SERVICE: the last health checks' outputs (what a failed wait_healthy saw).
health_log() { docker inspect -f '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}|{{end}}' "$(cid "$1")" 2>&1 | tr '|' '\n' | tail -n 5 | sed "s/^/# $1 health: /"; }
http() { curl -s -o /dev/null -m 10 -w '%{http_code}' "$@"; }

phase "docker-compose up -d (a new volume, port $NOTES_PORT)"
t0=$SECONDS
if ! dc up -d >"$work/up.log" 2>&1; then
	cat "$work/up.log"
	show_logs
	die "docker-compose up failed"
fi
up=0
wait_healthy nginx 180 && up=1
t_up=$((SECONDS - t0))
[ $up = 1 ] || show_logs
expect "the stack comes up from nothing: nginx healthy after $t_up s" test $up = 1
[ $up = 1 ] || die "the stack did not come up"
for s in db app nginx; do
	expect "$s is healthy" wait_healthy "$s" 1
done
mrc=$(docker inspect -f '{{.State.ExitCode}}' "$(cid migrate)")
expect "migrate ran once and exited 0 ($mrc)" test "$mrc" = 0
dc logs --no-color migrate >"$work/migrate.log" 2>&1
expect "migrate applied the migrations as notes_owner" grep -q 'migrate: applied 001' "$work/migrate.log"
port_line=$(docker port "$(cid nginx)" 8002/tcp)
expect "the published port is bound to 127.0.0.1 only ($port_line)" test "$port_line" = "127.0.0.1:$NOTES_PORT"
expect "GET /ping through the published port" test "$(curl -s -m 10 "$BASE_URL/ping")" = '{"ping":"pong!"}'
for s in db app nginx token-cleanup; do
	uids=$(docker top "$(cid "$s")" -eo pid,uid | awk 'NR > 1 { print $2 }' | sort -u | tr '\n' ' ')
	expect "every process of $s runs as a non-root user (uids $uids)" test -n "$uids" -a -z "$(printf '%s\n' $uids | grep -x 0)"
done

# The database's own address on the compose network (reachable from this host through the
# bridge): the oracle's psql empties the table, the checks read rows.
db_dsn() { echo "postgresql://postgres:$POSTGRES_PASSWORD@$(ip_of db):5432/notes"; }
app_dsn() { echo "postgresql://notes_app:$NOTES_APP_PASSWORD@$(ip_of db):5432/${1:-notes}"; }
sql() { psql "$(db_dsn)" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }

enc=$(sql "SELECT pg_encoding_to_char(encoding) || ' ' || datcollate FROM pg_database WHERE datname = 'notes'")
expect "the database is UTF8 with a UTF-8 locale, as the official image's ($enc)" grep -Eq '^UTF8 .*\.(utf8|UTF-8)$' <<<"$enc"
title=$(python3 -c 'print("é" * 50)')
answer=$(curl -s -m 10 -w ' %{http_code}' -H 'Content-Type: application/json' \
	-d "{\"title\": \"$title\", \"description\": \"fifty accented letters\"}" "$BASE_URL/notes/")
expect "a valid 50-character é title is stored (201)" grep -q ' 201$' <<<"$answer"

# --- least privilege
users=$(sql "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity WHERE datname = 'notes' AND client_addr = '$(ip_of app)'")
expect "the workers connect as notes_app only ($users)" test "$users" = notes_app
expect "notes_app is no superuser" test "$(sql "SELECT rolsuper FROM pg_roles WHERE rolname = 'notes_app'")" = f
owner=$(sql "SELECT tableowner FROM pg_tables WHERE tablename = 'notes'")
expect "the notes table belongs to notes_owner ($owner)" test "$owner" = notes_owner
expect "notes_app cannot create a table" bash -c "! psql '$(app_dsn)' -X -q -c 'CREATE TABLE intruder (x int)' 2>/dev/null"
expect "notes_app cannot drop the notes table" bash -c "! psql '$(app_dsn)' -X -q -c 'DROP TABLE notes' 2>/dev/null"
expect "notes_app cannot connect to the database postgres" bash -c "! psql '$(app_dsn postgres)' -X -q -c 'SELECT 1' 2>/dev/null"
expect "the superuser's password is not in the app container" \
	bash -c "! docker exec $(cid app) env | grep -q '$POSTGRES_PASSWORD'"

# --- 4. through the compose nginx
phase "oracle replay through the compose nginx"
python3 "$top/tests/oracle/replay.py" --url "$BASE_URL" --dsn "$(db_dsn)" --quiet >"$work/oracle.log" 2>&1
rc=$?
tail -n 1 "$work/oracle.log" | sed 's/^/# /'
[ $rc = 0 ] || head -n 60 "$work/oracle.log" | sed 's/^/# /'
expect "the oracle replay passes through compose ($(tail -n 1 "$work/oracle.log"))" test $rc = 0

phase "/docs and /redoc in headless Chromium"
if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ]; then
	(
		export top_srcdir=$top top_builddir=$work
		mkdir -p "$work/docs/tests"
		# shellcheck source=docs/tests/common.sh
		. "$top/docs/tests/common.sh"
		BASE_URL=$BASE_URL node "$top/docs/tests/browser.cjs"
	) >"$work/browser.log" 2>&1
	rc=$?
	grep -c '^ok' "$work/browser.log" | sed 's/^/# browser checks passed: /'
	[ $rc = 0 ] || grep -v '^ok' "$work/browser.log" | head -n 30 | sed 's/^/# /'
	expect "/docs and /redoc work in headless Chromium through compose" test $rc = 0
else
	fail "/docs in Chromium: /usr/bin/chromium is missing (apt-get install chromium)"
fi


# --- health follows the database
phase "health checks follow the database"
wait_state() { # SERVICE STATE SECONDS
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		[ "$(docker inspect -f '{{.State.Health.Status}}' "$(cid "$1")" 2>/dev/null)" = "$2" ] && return 0
		sleep 1
	done
	return 1
}
dc stop -t 10 db >/dev/null 2>&1
expect "with the database stopped, app's health check turns unhealthy" wait_state app unhealthy 40
expect "... and nginx's too" wait_state nginx unhealthy 30
expect "... while /ping still answers (the workers are up)" test "$(http "$BASE_URL/ping")" = 200
dc start db >/dev/null 2>&1
expect "with the database back, app is healthy again by itself" wait_healthy app 60 || { health_log app; show_logs app db; }
expect "... and nginx" wait_healthy nginx 30 || health_log nginx
# The workers that no health check reached reconnect on their first requests (each of which
# waits for that at most 50 ms, then answers 503): every worker serves again soon after.
others=0 back=0 t0=$SECONDS
while [ $((SECONDS - t0)) -lt 30 ] && [ $back = 0 ]; do
	back=1
	for _ in $(seq 20); do
		[ "$(http "$BASE_URL/notes/?limit=1")" = 200 ] || { others=$((others + 1)) back=0; break; }
	done
	[ $back = 1 ] || sleep 0.2
done
expect "every worker serves again: 20 GET /notes/ in a row answer 200 after $((SECONDS - t0)) s ($others answered otherwise first)" test $back = 1

# --- 5. lifecycle
note_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' 2>/dev/null; }
post_note() { curl -s -m 10 -H 'Content-Type: application/json' -d "{\"title\": \"$1\", \"description\": \"$2\"}" "$BASE_URL/notes/"; }
project_things() { # what of this project the engine still has
	docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
	docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
	docker network ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
}
# Every acknowledged write of a load is in the table with its title; prints "missing/acked".
acked_missing() { # LOADFILE
	sql "COPY (SELECT id, title FROM notes) TO STDOUT" >"$work/rows.tsv"
	python3 - "$1" "$work/rows.tsv" <<-'PY'
		import json, sys
		rows = dict(line.rstrip("\n").split("\t", 1) for line in open(sys.argv[2]) if line.strip())
		acked = [json.loads(l) for l in open(sys.argv[1])]
		acked = [r for r in acked if r["method"] == "POST" and r["status"] == 201]
		missing = [r for r in acked if rows.get(str(r["id"])) != r["title"]]
		print("%d/%d" % (len(missing), len(acked)))
	PY
}
summary_of() { tail -n 1 "$1"; }
# load_started FILE: wait (at most 30 s) until the load has opened its output, i.e. it runs and
# a SIGTERM makes it print its summary (on a loaded machine Python may take seconds to start;
# once a stop took 2 s and ended before the load had begun).
load_started() {
	local i
	for i in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
field() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, d))' "$1" "$2"; }

phase "down and up keep the notes"
kept=$(post_note "kept across down" "and up" | note_id)
dc down -t 15 >/dev/null 2>&1
left=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
expect "down stops and removes every container" test -z "$left"
dc up -d >"$work/up2.log" 2>&1
wait_healthy nginx 120 || show_logs
expect "after down and up, note $kept is still there" grep -q '"kept across down"' <<<"$(curl -s -m 10 "$BASE_URL/notes/$kept/")"

phase "docker-compose restart db under a write load"
python3 "$here/load.py" --url "$BASE_URL" --out "$work/load-db.jsonl" --threads 4 --mix write >"$work/load-db.sum" 2>&1 &
lp=$!
load_started "$work/load-db.jsonl"
sleep 3
t0=$SECONDS
dc restart -t 10 db >/dev/null 2>&1
recovered=0
for _ in $(seq 90); do
	[ "$(http -H 'Content-Type: application/json' -d '{"title": "after the restart", "description": "of the database"}' "$BASE_URL/notes/")" = 201 ] && { recovered=1; break; }
	sleep 1
done
t_rec=$((SECONDS - t0))
sleep 3
kill -TERM $lp
wait $lp
sum=$(summary_of "$work/load-db.sum")
say "load during restart db: $sum"
expect "the stack recovers by itself: a write succeeds ${t_rec} s after the restart began" test $recovered = 1
expect "no request was dropped ($(field "$sum" dropped) dropped; the others answered)" test "$(field "$sum" dropped)" = 0
miss=$(acked_missing "$work/load-db.jsonl")
expect "no acknowledged write is lost (missing/acked: $miss)" test "${miss%%/*}" = 0 -a "${miss#*/}" -gt 0
expect "app is healthy after the restart" wait_healthy app 60

phase "kill -s KILL of the app's main process"
before=$(docker inspect -f '{{.RestartCount}}' "$(cid app)")
kill -s KILL "$(docker inspect -f '{{.State.Pid}}' "$(cid app)")"
restarted=0
for _ in $(seq 60); do
	[ "$(docker inspect -f '{{.RestartCount}}' "$(cid app)")" -gt "$before" ] && { restarted=1; break; }
	sleep 1
done
expect "the restart policy restarts the killed app container" test $restarted = 1
expect "... and it is healthy again" wait_healthy app 60
expect "GET /notes/ answers 200 again" test "$(http "$BASE_URL/notes/?limit=1")" = 200

phase "recreate app (a new address)"
old_ip=$(ip_of app)
nginx_started=$(docker inspect -f '{{.State.StartedAt}}' "$(cid nginx)")
# What --force-recreate does, with the old address held by placeholders in between (Docker
# hands out the lowest free address, so the new container would otherwise get the same one).
dc stop -t 15 app >/dev/null 2>&1
dc rm -f app >/dev/null 2>&1
holders=()
for _ in 1 2 3 4 5; do
	h=$(docker run -d --rm --network "${COMPOSE_PROJECT_NAME}_default" --entrypoint sleep notes-api-app:latest 600) || break
	holders+=("$h")
	[ "$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$h")" = "$old_ip" ] && break
done
dc up -d --no-deps app >/dev/null 2>&1
wait_healthy app 60
new_ip=$(ip_of app)
expect "the recreated app has a new address ($old_ip -> $new_ip)" test -n "$new_ip" -a "$new_ip" != "$old_ip"
answered=0
for _ in $(seq 20); do
	[ "$(http "$BASE_URL/notes/?limit=1")" = 200 ] && { answered=1; break; }
	sleep 0.5
done
expect "nginx answers through the new app without a restart" test $answered = 1
expect "nginx was not restarted" test "$(docker inspect -f '{{.State.StartedAt}}' "$(cid nginx)")" = "$nginx_started"
[ ${#holders[@]} = 0 ] || docker rm -f "${holders[@]}" >/dev/null

# docker stop SERVICE while requests are surely in flight: a session of the test holds a lock on
# the notes table, so the requests sent meanwhile wait inside nginx and the workers; `docker
# stop` begins while they wait, and only then is the lock released. A graceful stop finishes
# them (complete 201 answers, rows stored); a fast one (nginx's SIGTERM, a SIGKILL) cuts them
# (tried: curl got no answer). A load runs beside them, each request on a new connection.
# The test's workers have a statement timeout of 30 s, so the wait ends in the lock's release.
stop_in_flight() { # SERVICE N_REQUESTS
	local svc=$1 n=$2 i lp sp t0 codes stored miss
	rm -f "$work/lock.fifo"
	mkfifo "$work/lock.fifo"
	psql "$(db_dsn)" -X -q <"$work/lock.fifo" >/dev/null 2>&1 &
	exec 7>"$work/lock.fifo"
	echo "BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE; SELECT 1;" >&7
	for i in $(seq 100); do
		[ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'notes' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
		sleep 0.1
	done
	for i in $(seq "$n"); do
		curl -s -m 40 -o "$work/inflight-$svc.$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
			-d "{\"title\": \"in flight $svc $i\", \"description\": \"sent before the stop\"}" "$load_url/notes/" >"$work/inflight-$svc.$i.code" &
	done
	python3 "$here/load.py" --url "$load_url" --out "$work/load-$svc.jsonl" --threads 4 --mix write >"$work/load-$svc.sum" 2>&1 &
	lp=$!
	load_started "$work/load-$svc.jsonl"
	# Stop once they all wait on the lock inside the workers (at most 3 s): their INSERTs, not
	# the health checks' SELECTs, which wait there too.
	for i in $(seq 30); do
		[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE usename = 'notes_app' AND wait_event_type = 'Lock' AND query LIKE 'INSERT%'")" -ge "$n" ] && break
		sleep 0.1
	done
	t0=$SECONDS
	docker stop -t 30 "$(cid "$svc")" >/dev/null &
	sp=$!
	sleep 1
	echo "COMMIT;" >&7
	exec 7>&-
	wait $sp
	t_stop=$((SECONDS - t0))
	kill -TERM $lp 2>/dev/null
	wait
	codes=$(cat "$work"/inflight-$svc.*.code | sort | uniq -c | tr -s ' \n' ' ')
	expect "docker stop $svc (${t_stop} s) finishes the $n requests in flight: all 201 ($codes)" \
		test "$(cat "$work"/inflight-$svc.*.code | grep -c '^201$')" = "$n" ||
		{ docker logs --tail 40 "$(cid "$svc")" 2>&1 | sed "s/^/# $svc: /"; head -c 300 "$work"/inflight-$svc.* | sed 's/^/# /'; }
	stored=$(sql "SELECT count(*) FROM notes WHERE title LIKE 'in flight $svc %'")
	expect "... and all $n are stored ($stored)" test "$stored" = "$n"
	say "load beside docker stop $svc: $(summary_of "$work/load-$svc.sum")"
	miss=$(acked_missing "$work/load-$svc.jsonl")
	expect "every write of the load acknowledged before the stop is stored (missing/acked: $miss)" test "${miss%%/*}" = 0
}

phase "docker stop of nginx with requests in flight"
load_url=http://$(ip_of nginx):8002
stop_in_flight nginx 4
resets=$(grep -c '"dropped"' "$work/load-nginx.jsonl")
other=$(grep '"dropped"' "$work/load-nginx.jsonl" | grep -vc 'Connection reset by peer')
expect "the load's requests all got an answer or a refused connection, but $resets reset in the listen queue ($other otherwise cut)" test "$other" = 0
dc start nginx >/dev/null 2>&1
expect "nginx is back" wait_healthy nginx 60

phase "docker stop of app with requests in flight"
since=$(date -u +%Y-%m-%dT%H:%M:%S)
load_url=$BASE_URL
stop_in_flight app 2
dropped=$(grep -c '"dropped"' "$work/load-app.jsonl")
expect "nginx answered every request of the load while app stopped ($dropped without an answer)" test "$dropped" = 0
docker logs --since "$since" "$(cid nginx)" >"$work/nginx-stop-app.log" 2>&1
cut=$(grep -c -E 'prematurely closed|broken pipe' "$work/nginx-stop-app.log")
expect "no worker answer was cut off (nginx logged $cut 'upstream prematurely closed')" test "$cut" = 0
dc start app >/dev/null 2>&1
expect "app is back" wait_healthy app 60

# --- the auth flow: app, nginx and token-cleanup again with NOTES_AUTH=on (compose recreates
# what the change concerns), then tests/e2e/test_auth.py through the published port. Its log
# checks read what every container printed meanwhile.
phase "NOTES_AUTH=on: the auth flow through compose"
export NOTES_AUTH=on NOTES_TOKEN_TTL=12 TOKEN_CLEANUP_INTERVAL=1
dc up -d >"$work/up-auth.log" 2>&1 || cat "$work/up-auth.log"
wait_healthy app 90 && wait_healthy nginx 60 || { health_log app; health_log nginx; show_logs app nginx; }
expect "with NOTES_AUTH=on, GET /notes/ wants a token (401)" test "$(http "$BASE_URL/notes/")" = 401
mkdir -p "$work/auth/log"
(cd "$top" && exec docker-compose logs --no-color -f) >"$work/auth/log/compose.log" 2>&1 &
logs_pid=$!
BASE_URL=$BASE_URL DATABASE_URL=$(db_dsn) STACK_DIR=$work/auth NOTES_CLIENTS_SHARE_ADDRESS=1 \
	timeout 300 python3 "$top/tests/e2e/test_auth.py" >"$work/auth.log" 2>&1
rc=$?
kill $logs_pid 2>/dev/null
wait $logs_pid 2>/dev/null
grep -E '^(# NOT CHECKED|FAIL|not ok)' "$work/auth.log" | head -n 20 | sed 's/^/# /'
[ $rc = 0 ] || tail -n 30 "$work/auth.log" | sed 's/^/# /'
expect "the auth flow (tests/e2e/test_auth.py) passes through compose ($(grep -c '^ok' "$work/auth.log") checks)" test $rc = 0
unset NOTES_AUTH NOTES_TOKEN_TTL TOKEN_CLEANUP_INTERVAL

phase "down -v"
dc down -v -t 15 >/dev/null 2>&1
left=$(project_things | tr '\n' ' ')
expect "down -v leaves no container, volume or network of the stack ($left)" test -z "${left// /}"
echo "$([ $fails -eq 0 ] && echo passed || echo FAILED): $fails failure(s) in $((SECONDS - t_start)) s"
[ $fails -eq 0 ]
