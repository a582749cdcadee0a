#!/bin/sh
# docs/tests/routes.sh: the worker's route table (`notes-worker --routes`) and the paths and
# methods of docs/openapi.json are the same set, both ways.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
worker="${NOTES_WORKER:-$top_builddir/src/notes-worker}"
[ -x "$worker" ] || { echo "FAIL: $worker not built" >&2; exit 1; }
routes=$("$worker" --routes) || { echo "FAIL: $worker --routes exited with $?" >&2; exit 1; }
printf '%s\n' "$routes" | node "$top_srcdir/docs/tests/routes.cjs" "$top_srcdir/docs/openapi.json"
