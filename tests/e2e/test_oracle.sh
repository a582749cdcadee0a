#!/bin/bash
# tests/e2e/test_oracle.sh: the behavioural oracle (tests/oracle/replay.py: the reference app's
# recorded answers) replayed against the whole stack, through nginx, on a throwaway stack.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${BASE_URL:-}" ]; then
	exec bash "$here/with-stack" -- bash "$0" "$@"
fi
exec python3 "$here/../oracle/replay.py" --url "$BASE_URL" --dsn "$DATABASE_URL" --quiet
