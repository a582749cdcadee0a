#!/bin/sh
# docs/tests/browser.sh: /docs and /redoc in headless Chromium against a running stack:
# all six operations shown, "Try it out" really calls the service, nothing loaded from elsewhere.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
with_stack node "$top_srcdir/docs/tests/browser.cjs"
