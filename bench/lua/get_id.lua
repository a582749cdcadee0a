-- bench/lua/get_id.lua: GET /notes/{id}/ for random ids in [lo, hi] (args: lo hi).
local lo, hi
function init(args)
   local a = bench_args(args)
   lo, hi = a[1], a[2]
   math.randomseed(os.time() + 7919 * (tid or 0))
end
function request()
   return wrk.format("GET", "/notes/" .. math.random(lo, hi) .. "/")
end
