-- bench/lua/put.lua: PUT /notes/{id}/ for random ids in [lo, hi] (args: lo hi).
local lo, hi
local body = '{"title": "bench update", "description": "updated by scripts/bench"}'
local headers = {["Content-Type"] = "application/json"}
function init(args)
   local a = bench_args(args)
   lo, hi = a[1], a[2]
   math.randomseed(os.time() + 104729 * (tid or 0))
end
function request()
   return wrk.format("PUT", "/notes/" .. math.random(lo, hi) .. "/", headers, body)
end
