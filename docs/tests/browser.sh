#!/bin/sh
# docs/tests/browser.sh: /docs and /redoc in headless Chromium against a running stack:
# every operation shown, "Try it out" really calls the service, nothing loaded from elsewhere;
# once with NOTES_AUTH=off (the default), once with NOTES_AUTH=on ("Authorize", then "Try it out").
set -eu
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
echo "--- NOTES_AUTH=off"
NOTES_AUTH=off with_stack node "$top_srcdir/docs/tests/browser.cjs"
if [ -z "${DOCS_BASE_URL:-}" ]; then
  echo "--- NOTES_AUTH=on"
  NOTES_AUTH=on DOCS_SCREENSHOT_DIR="${DOCS_SCREENSHOT_DIR:-$top_builddir/docs/tests}/auth" \
    with_stack node "$top_srcdir/docs/tests/browser.cjs"
fi
