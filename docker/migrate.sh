#!/bin/bash
# docker/migrate.sh: the compose service `migrate` (one-shot, before `app` starts). Connects as
# the Postgres superuser (DATABASE_URL, password PGPASSWORD or POSTGRES_PASSWORD_FILE), which only
# this service knows, and
#   1. waits (bounded, MIGRATE_WAIT seconds, default 60) until the database takes connections;
#   2. makes the two roles of the least-privilege split: notes_owner (no login) owns the schema
#      and runs the migrations; notes_app (login, password NOTES_APP_PASSWORD or the file named by
#      NOTES_APP_PASSWORD_FILE, set again on every run) may only read and write rows: no DDL, no
#      superuser, no other database;
#   3. runs scripts/migrate as notes_owner (PGOPTIONS role), so every table is the owner's;
#   4. grants notes_app what the workers' statements need on what the migrations made.
set -euo pipefail
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then PGPASSWORD=$(<"$POSTGRES_PASSWORD_FILE"); export PGPASSWORD; fi
if [ -n "${NOTES_APP_PASSWORD_FILE:-}" ]; then NOTES_APP_PASSWORD=$(<"$NOTES_APP_PASSWORD_FILE"); fi
[ -n "${NOTES_APP_PASSWORD:-}" ] || { echo "migrate: NOTES_APP_PASSWORD (or NOTES_APP_PASSWORD_FILE) is not set" >&2; exit 2; }
export NOTES_APP_PASSWORD
here=$(cd "$(dirname "$0")" && pwd)
migrate=${MIGRATE:-$here/../scripts/migrate}
db=(-X -q -v ON_ERROR_STOP=1)
[ -z "${DATABASE_URL:-}" ] || db+=(-d "$DATABASE_URL")

"$migrate" --wait-only --wait "${MIGRATE_WAIT:-60}"

psql "${db[@]}" <<-'SQL'
	SET client_min_messages = warning;
	\getenv app_password NOTES_APP_PASSWORD
	SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'notes_owner') AS make_owner \gset
	\if :make_owner
	CREATE ROLE notes_owner NOLOGIN;
	\endif
	SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'notes_app') AS make_app \gset
	\if :make_app
	CREATE ROLE notes_app LOGIN;
	\endif
	ALTER ROLE notes_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
	    NOINHERIT CONNECTION LIMIT 200 PASSWORD :'app_password';
	SELECT current_database() AS dbname \gset
	ALTER SCHEMA public OWNER TO notes_owner;
	REVOKE ALL ON SCHEMA public FROM PUBLIC;
	GRANT USAGE ON SCHEMA public TO notes_app;
	REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
	GRANT CONNECT ON DATABASE :"dbname" TO notes_app;
	REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC;
	ALTER DEFAULT PRIVILEGES FOR ROLE notes_owner IN SCHEMA public
	    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO notes_app;
	ALTER DEFAULT PRIVILEGES FOR ROLE notes_owner IN SCHEMA public
	    GRANT USAGE, SELECT ON SEQUENCES TO notes_app;
SQL

PGOPTIONS="${PGOPTIONS:-} -c role=notes_owner" "$migrate" --wait 0

psql "${db[@]}" <<-'SQL'
	SET client_min_messages = warning;
	GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO notes_app;
	GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO notes_app;
	REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM notes_app;
SQL
echo "migrate: roles notes_owner (schema) and notes_app (the workers) are in place"
