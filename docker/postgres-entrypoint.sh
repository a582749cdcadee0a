#!/bin/bash
# docker/postgres-entrypoint.sh: the entrypoint of docker/postgres.Dockerfile, doing what the
# official postgres image's docker-entrypoint.sh does for the variables docker-compose.yml uses.
# On an empty $PGDATA: initdb (UTF8, the image's locale), the superuser $POSTGRES_USER with
# $POSTGRES_PASSWORD (scram-sha-256 over TCP), a temporary server on the socket only (no TCP, so
# a TCP health check stays false until initialisation is over), CREATE DATABASE $POSTGRES_DB,
# the scripts in /docker-entrypoint-initdb.d, stop; then `postgres` listening on every address.
set -Eeuo pipefail

# VAR from $VAR or from the file named by $VAR_FILE (not both), else the default.
file_env() {
	local var=$1 file_var="${1}_FILE" def=${2:-} val
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		echo "error: both $var and $file_var are set (but are exclusive)" >&2
		exit 1
	fi
	val=$def
	if [ -n "${!var:-}" ]; then
		val=${!var}
	elif [ -n "${!file_var:-}" ]; then
		val=$(<"${!file_var}")
	fi
	export "$var"="$val"
	unset "$file_var"
}

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
		cat >&2 <<-'MSG'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
		MSG
		exit 1
	fi
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA"
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale="$LANG" \
		$POSTGRES_INITDB_ARGS -D "$PGDATA"
	rm -f "$pwfile"
	{
		echo
		echo "listen_addresses = '*'"
	} >>"$PGDATA/postgresql.conf"
	{
		echo
		echo "host all all all $auth"
	} >>"$PGDATA/pg_hba.conf"

	# The temporary server: the socket only, so nothing outside this container reaches it yet.
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
	psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ "$POSTGRES_DB" != postgres ]; then
		"${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<-'SQL'
			CREATE DATABASE :"db";
		SQL
	fi
	shopt -s nullglob
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sh)
			echo "$0: running $f"
			if [ -x "$f" ]; then "$f"; else . "$f"; fi
			;;
		*.sql) echo "$0: running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
		*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
		*) echo "$0: ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
	unset PGPASSWORD
	echo
	echo 'PostgreSQL init process complete; ready for start up.'
	echo
fi

exec "$@"
