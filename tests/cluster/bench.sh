#!/bin/bash
# tests/cluster/bench.sh: the namespace cluster's throughput next to the single stack's, in the
# same run, with the same wrk scenarios (bench/lua/) and the same number of workers.
#
# Usage: tests/cluster/bench.sh   (as root, with `scripts/cluster up` running)
#   For each scenario (POST, GET by id, mixed 80/10/10) and ROUNDS rounds (default 2), wrk
#   (THREADS 2, CONNECTIONS 16, BENCH_SECONDS 10) runs from the cluster's client host against
#   nginx on the web host, then from this machine against a throwaway single stack
#   (tests/e2e/with-stack, WORKERS = app hosts x workers per host) on loopback. Prints one
#   markdown table: requests/s and p99 of each, and the cluster's share of the stack's figure.
#   NOTES_WORKER: the worker the single stack runs (default var/build/src/notes-worker).
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
ROUNDS=${ROUNDS:-2} SECONDS_PER_RUN=${BENCH_SECONDS:-10} THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-16}
CLUSTER_NET=${CLUSTER_NET:-10.213.0}
cluster_url=http://$CLUSTER_NET.2:${CLUSTER_PORT:-8002}
scripts/cluster status >/dev/null || { echo "bench.sh: the cluster does not run (scripts/cluster up)" >&2; exit 1; }
apps=$(scripts/cluster status | grep -c '^app')
workers=$((apps * ${APP_WORKERS:-2}))
out=$(mktemp -d /tmp/notes-cluster-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
for s in post get_id mixed; do
	cat bench/lua/common.lua "bench/lua/$s.lua" >"$out/$s.lua"
done

# run WHERE URL SCENARIO: one wrk run; appends "WHERE SCENARIO req/s p99_ms" to $out/results.
run() {
	local where=$1 url=$2 s=$3 args=() line
	[ "$s" = post ] || args=(-- 1 500)
	if [ "$where" = cluster ]; then
		line=$(scripts/cluster exec client wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" \
			-s "$out/$s.lua" "$url" "${args[@]}" | grep BENCH_RESULT)
	else
		line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s "$out/$s.lua" "$url" "${args[@]}" |
			grep BENCH_RESULT)
	fi
	awk -v w="$where" -v s="$s" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%s %s %.0f %.2f %d\n", w, s, v["requests"] / (v["duration_us"] / 1e6), v["p99_us"] / 1000, v["status"] + v["connect"] + v["read"] + v["write"] + v["timeout"]
	}' <<<"$line" >>"$out/results"
}

export out ROUNDS THREADS CONNECTIONS SECONDS_PER_RUN cluster_url
export -f run
# One single stack for the whole run (its notes from the POST round serve the reads); the
# rounds alternate between the two, so both see the same machine.
NOTES_WORKER=${NOTES_WORKER:-$src/var/build/src/notes-worker} WORKERS=$workers tests/e2e/with-stack bash -c '
	for round in $(seq "$ROUNDS"); do
		for s in post get_id mixed; do
			run cluster "$cluster_url" "$s"
			run stack "$BASE_URL" "$s"
		done
	done' >"$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }

echo "| scenario | cluster req/s | p99 ms | single stack req/s | p99 ms | cluster / stack |"
echo "|---|---|---|---|---|---|"
awk '
	{ n[$1, $2]++; rps[$1, $2] += $3; if ($4 > p99[$1, $2]) p99[$1, $2] = $4; err[$1, $2] += $5; seen[$2] = 1 }
	END {
		split("post get_id mixed", order, " ")
		for (i = 1; i <= 3; i++) {
			s = order[i]; c = rps["cluster", s] / n["cluster", s]; t = rps["stack", s] / n["stack", s]
			printf "| %s | %.0f | %.1f | %.0f | %.1f | %.2f |\n", s, c, p99["cluster", s], t, p99["stack", s], c / t
			if (err["cluster", s] + err["stack", s] > 0) notes = notes sprintf("%s: %d non-2xx answers or errors on the cluster, %d on the stack. ", s, err["cluster", s], err["stack", s])
		}
		if (notes != "") {
			print ""
			print notes "(GETs of ids 1-500 answer 404 where a fail-over left a gap in the id sequence.)"
		}
	}' "$out/results"
echo
echo "($ROUNDS alternating rounds of ${SECONDS_PER_RUN} s each, wrk -t$THREADS -c$CONNECTIONS; cluster: $apps app hosts x ${APP_WORKERS:-2} workers, synchronous standby; stack: WORKERS=$workers, one Postgres; worst p99 of the rounds)"
