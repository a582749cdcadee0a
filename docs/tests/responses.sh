#!/bin/sh
# docs/tests/responses.sh: real answers of a running stack validate against docs/openapi.json.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
with_stack node "$top_srcdir/docs/tests/responses.cjs"
