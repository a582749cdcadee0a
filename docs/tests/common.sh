# docs/tests/common.sh: sourced by the docs tests. Finds the tree, makes sure the pinned npm
# packages are installed (docs/install-assets.sh --deps-only: instant when they already are)
# and points node at them.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
# A read-only source tree (make distcheck) gets its packages in the build tree instead.
if [ -z "${DOCS_NODE_DIR:-}" ] && [ ! -d "$top_srcdir/node_modules" ] && [ ! -w "$top_srcdir" ]; then
  DOCS_NODE_DIR=$top_builddir
  export DOCS_NODE_DIR
fi
command -v node >/dev/null 2>&1 || { echo "FAIL: node not found (Debian: apt-get install nodejs npm)" >&2; exit 1; }
"$top_srcdir/docs/install-assets.sh" --deps-only || { echo "FAIL: could not install the docs test packages" >&2; exit 1; }
NODE_PATH="$("$top_srcdir/docs/install-assets.sh" --print-node-dir)/node_modules"
export NODE_PATH
# Redocly's CLI must not phone home or look for updates (tests run offline).
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
# Runs a test script against a running stack: $DOCS_BASE_URL when given (a stack you started:
# left as it is, so its database is not stopped for the 503 checks), else a throwaway stack from
# tests/e2e/with-stack, which exports BASE_URL and STACK_DIR.
with_stack() {
  if [ -n "${DOCS_BASE_URL:-}" ]; then
    env -u STACK_DIR BASE_URL="$DOCS_BASE_URL" "$@"
  else
    "$top_srcdir/tests/e2e/with-stack" "$@"
  fi
}
