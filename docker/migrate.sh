#!/bin/bash
# docker/migrate.sh: the compose service `migrate` (one-shot, before `app` starts). Connects as
# the Postgres superuser (DATABASE_URL, password PGPASSWORD or POSTGRES_PASSWORD_FILE), which only
# this service knows, and
#   1. waits (bounded, MIGRATE_WAIT seconds, default 60) until the database takes connections;
#   2. makes the two roles of the least-privilege split with scripts/db-roles, the definition
#      scripts/stack uses too: notes_owner (no password: it cannot log in over the network) owns
#      the database, its schema and tables; notes_app (password NOTES_APP_PASSWORD or the file
#      named by NOTES_APP_PASSWORD_FILE, set again on every run) may only read and write rows:
#      no DDL, no superuser, no other database;
#   3. runs scripts/migrate as notes_owner (PGOPTIONS role), so every table is the owner's;
#   4. runs scripts/db-roles again: notes_app's grants on what the migrations made.
set -euo pipefail
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then PGPASSWORD=$(<"$POSTGRES_PASSWORD_FILE"); export PGPASSWORD; fi
if [ -n "${NOTES_APP_PASSWORD_FILE:-}" ]; then NOTES_APP_PASSWORD=$(<"$NOTES_APP_PASSWORD_FILE"); fi
[ -n "${NOTES_APP_PASSWORD:-}" ] || { echo "migrate: NOTES_APP_PASSWORD (or NOTES_APP_PASSWORD_FILE) is not set" >&2; exit 2; }
export NOTES_APP_PASSWORD
here=$(cd "$(dirname "$0")" && pwd)
migrate=${MIGRATE:-$here/../scripts/migrate}

"$migrate" --wait-only --wait "${MIGRATE_WAIT:-60}"

# The roles as scripts/stack makes them for its embedded cluster (the one definition).
roles=${DB_ROLES:-$here/../scripts/db-roles}
"$roles"
PGOPTIONS="${PGOPTIONS:-} -c role=notes_owner" "$migrate" --wait 0
# Again, for the tables the migrations made.
"$roles"
echo "migrate: roles notes_owner (schema) and notes_app (the workers) are in place"
