-- bench/lua/common.lua: scripts/bench prepends this to every scenario script it hands to wrk.
-- Threads get an index (for disjoint id sequences); done() prints one machine-readable line.
local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("tid", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

function bench_args(args)
   -- wrk passes the words after "--" to init(); scenarios read them as numbers.
   local out = {}
   for i, v in ipairs(args) do out[i] = tonumber(v) or v end
   return out
end

function done(summary, latency, requests)
   local e = summary.errors
   local exhausted = 0
   for _, t in ipairs(threads) do
      exhausted = exhausted + (tonumber(t:get("exhausted")) or 0)
   end
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d " ..
      "status=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f exhausted=%d threads=%d\n",
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
      e.status, e.timeout, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, exhausted, thread_count))
end
