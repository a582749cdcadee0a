#!/bin/sh
# docs/tests/lint.sh: docs/openapi.json passes the OpenAPI linter (the pinned @redocly/cli, run
# offline from node_modules) with every recommended rule as an error (docs/redocly.yaml), no
# warning and no ignored problem.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
redocly="$NODE_PATH/.bin/redocly"
[ -x "$redocly" ] || { echo "FAIL: $redocly missing" >&2; exit 1; }
out=$("$redocly" lint --format=stylish --config "$top_srcdir/docs/redocly.yaml" "$top_srcdir/docs/openapi.json" 2>&1) || {
  printf '%s\n' "$out"
  echo "FAIL: docs/openapi.json does not lint clean"
  exit 1
}
printf '%s\n' "$out"
# Warnings do not change the exit status: none may appear either (not even about the config).
if printf '%s\n' "$out" | grep -Eiq 'warning|ignored'; then
  echo "FAIL: the linter printed warnings or ignored problems"
  exit 1
fi
echo "ok: docs/openapi.json lints clean"
