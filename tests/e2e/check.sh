# tests/e2e/check.sh: sourced by the shell e2e tests. Runs the test itself under with-stack when
# no stack is given (BASE_URL unset), and provides the check helpers:
#   ok TEXT / fail TEXT   report one check (fail counts it in $fails)
#   expect TEXT CMD...    ok when CMD succeeds, fail otherwise
# Sourcing scripts set `here` (their directory) first; `top` is the source tree.
if [ -z "${BASE_URL:-}" ]; then
	exec bash "$here/with-stack" -- bash "$0" "$@"
fi
top=$(cd "$here/../.." && pwd)
fails=0
ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
