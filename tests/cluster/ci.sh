#!/bin/bash
# tests/cluster/ci.sh: what CI runs for the cluster (.ci/run): `scripts/cluster up`, then every
# drill, then `scripts/cluster down`, which runs whatever happened before (a failure, a timeout,
# an interrupt), so no namespace, link or process is left. Bounded: up and the drills get
# CLUSTER_CI_TIMEOUT seconds (default 480) in all.
set -uo pipefail
cd "$(dirname "$0")/../.."
limit=${CLUSTER_CI_TIMEOUT:-480}
start=$(date +%s)
trap 'scripts/cluster down' EXIT
rc=0
timeout --foreground -k 10 "$limit" bash -c 'scripts/cluster up && scripts/cluster drill' || rc=$?
[ $rc -eq 124 ] && echo "tests/cluster/ci.sh: up + drills did not finish in $limit s" >&2
[ $rc -ne 0 ] && { echo "--- last lines of the cluster's logs" >&2; tail -n 8 "${CLUSTER_DIR:-var/cluster}"/log/*.log >&2 || true; }
echo "tests/cluster/ci.sh: up + drills took $(($(date +%s) - start)) s, exit $rc"
exit $rc
