#!/bin/bash
# tests/e2e/test_oracle.sh: the behavioural oracle (tests/oracle/replay.py: the reference app's
# recorded answers) replayed against the whole stack, through nginx, on a throwaway stack.
# NOTES_LIST_MAX=0: lists unbounded, the tutorial's behaviour (issue 12 bounds them by default).
set -u
export NOTES_LIST_MAX=0
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${BASE_URL:-}" ]; then
	exec bash "$here/with-stack" -- bash "$0" "$@"
fi
exec python3 "$here/../oracle/replay.py" --url "$BASE_URL" --dsn "$DATABASE_URL" --quiet
