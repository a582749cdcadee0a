#!/bin/sh
# docs/tests/responses.sh: real answers of a running stack validate against docs/openapi.json,
# first with the database up, then (503) with the stack's embedded Postgres stopped; once with
# NOTES_AUTH=off, once with NOTES_AUTH=on (accounts, tokens, 401/409/429).
set -eu
if [ "${1:-}" != --inside ]; then
  . "$(cd "$(dirname "$0")" && pwd)/common.sh"
  echo "--- NOTES_AUTH=off"
  NOTES_AUTH=off with_stack sh "$top_srcdir/docs/tests/responses.sh" --inside || exit $?
  [ -n "${DOCS_BASE_URL:-}" ] && exit 0
  echo "--- NOTES_AUTH=on"
  NOTES_AUTH=on with_stack sh "$top_srcdir/docs/tests/responses.sh" --inside
  exit $?
fi
# Inside the stack (tests/e2e/with-stack exports BASE_URL and STACK_DIR): how to take the
# database away, for the documented 503s. Only a stack with its own embedded cluster has one.
data=${STACK_DIR:+$STACK_DIR/pg/data}
if [ -n "$data" ] && [ -f "$data/PG_VERSION" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  owner=$(stat -c %U "$data")
  if [ "$(id -u)" = 0 ]; then
    DOCS_STOP_DB="cd / && runuser -u '$owner' -- '$bin/pg_ctl' -D '$data' -m fast -w stop"
  else
    DOCS_STOP_DB="'$bin/pg_ctl' -D '$data' -m fast -w stop"
  fi
  export DOCS_STOP_DB
elif [ -n "${STACK_DIR:-}" ]; then
  echo "FAIL: no embedded Postgres in $STACK_DIR/pg/data: cannot test the documented 503s" >&2
  exit 1
fi
exec node "$top_srcdir/docs/tests/responses.cjs"
