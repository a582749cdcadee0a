#!/bin/bash
# tests/e2e/test_migrate.sh: scripts/migrate on the stack's real Postgres. Runners started at
# once apply each migration once; a failing migration rolls back whole; workers that find the
# schema older than they need say so and answer 503 on database routes, /ping still 200; a
# newer (additive) schema is served as it is (rolling deploys).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/check.sh
. "$here/check.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
# The URL of another database in the stack's cluster.
db_url() { printf '%s\n' "${DATABASE_URL/\/notes\?//$1?}"; }
nfiles=$(ls "$top"/sql/[0-9]*_*.sql | wc -l)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Five runners at once on an empty database.
q "$DATABASE_URL" 'CREATE DATABASE m_race' >/dev/null
url=$(db_url m_race)
for i in 1 2 3 4 5; do
	DATABASE_URL=$url "$top/scripts/migrate" >"$tmp/race.$i" 2>&1 &
done
rcs=0
for job in $(jobs -p); do wait "$job" || rcs=$((rcs + 1)); done
expect "five concurrent runners all succeed" test $rcs -eq 0
applied=$(cat "$tmp"/race.* | grep -c 'migrate: applied' || true)
expect "each migration applied by exactly one runner ($applied of $nfiles)" test "$applied" -eq "$nfiles"
expect "schema_migrations has one row per file" test "$(q "$url" 'SELECT count(*) FROM schema_migrations')" -eq "$nfiles"
expect "the notes table exists" test "$(q "$url" "SELECT to_regclass('notes') IS NOT NULL")" = t
out=$(DATABASE_URL=$url "$top/scripts/migrate" --status)
expect "--status lists nothing pending" bash -c "! grep -q pending <<<'$out'"

# 2. A failing migration rolls back whole and stops the run.
q "$DATABASE_URL" 'CREATE DATABASE m_fail' >/dev/null
url=$(db_url m_fail)
mkdir "$tmp/sql"
cp "$top"/sql/[0-9]*_*.sql "$tmp/sql/"
printf 'CREATE TABLE half_done (x int);\nSELECT 1 / 0;\n' >"$tmp/sql/900_broken.sql"
printf 'CREATE TABLE never_reached (x int);\n' >"$tmp/sql/901_after.sql"
DATABASE_URL=$url "$top/scripts/migrate" --dir "$tmp/sql" >"$tmp/fail.out" 2>&1
rc=$?
expect "a failing migration fails the run (rc $rc)" test $rc -ne 0
expect "the error is shown" grep -q 'division by zero' "$tmp/fail.out"
expect "the earlier migrations stay applied" test "$(q "$url" 'SELECT count(*) FROM schema_migrations')" -eq "$nfiles"
expect "the failed migration left nothing behind" test "$(q "$url" "SELECT to_regclass('half_done') IS NULL")" = t
expect "later migrations were not run" test "$(q "$url" "SELECT to_regclass('never_reached') IS NULL")" = t
printf 'bad name\n' >"$tmp/sql/007_x.sql"
cp "$tmp/sql/007_x.sql" "$tmp/sql/7_dup.sql"
out=$(DATABASE_URL=$url "$top/scripts/migrate" --dir "$tmp/sql" 2>&1)
expect "two files with one version are refused" grep -q 'version 7 is used by both' <<<"$out"

# 3. Workers check the schema version when they connect.
workers() { cat "/proc/$(cat "$STACK_DIR/run/pool.pid")/task/"*/children; }
restart_workers() {
	local old
	old=$(workers)
	kill -KILL $old
	for _ in $(seq 50); do
		sleep 0.1
		[ "$(workers | wc -w)" -ge 2 ] && ! grep -qw -F "$old" <<<"$(workers)" && return 0
	done
	return 1
}
# A later, additive migration (here a row from the future): old workers keep serving.
q "$DATABASE_URL" "INSERT INTO schema_migrations (version, name) VALUES (999, '999_from_the_future')"
expect "workers restarted" restart_workers
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/notes/")
expect "a newer schema is served by older workers ($code)" test "$code" = 200
q "$DATABASE_URL" "DELETE FROM schema_migrations WHERE version = 999"
# A schema older than the workers need: 503 and a log line.
q "$DATABASE_URL" "CREATE TABLE kept_migrations AS SELECT * FROM schema_migrations; DELETE FROM schema_migrations WHERE version > 1"
expect "workers restarted" restart_workers
body=$(curl -s -w ' %{http_code}' "$BASE_URL/notes/")
expect "database routes answer 503 on an older schema ($body)" grep -q ' 503$' <<<"$body"
expect "the 503 is a JSON detail" grep -q '^{"detail":' <<<"$body"
expect "/ping still answers 200" curl -fsS -o /dev/null "$BASE_URL/ping"
expect "the worker log says what is wrong: $(grep -m1 'schema is at version 1,' "$STACK_DIR/log/worker.log")" grep -q 'schema is at version 1, this worker needs version [0-9]* or later' "$STACK_DIR/log/worker.log"
q "$DATABASE_URL" "INSERT INTO schema_migrations SELECT * FROM kept_migrations WHERE version > 1; DROP TABLE kept_migrations"
expect "workers restarted" restart_workers
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/notes/")
expect "back to 200 at the right version ($code)" test "$code" = 200

echo "$([ $fails -eq 0 ] && echo passed || echo FAILED): $fails failure(s)"
[ $fails -eq 0 ]
