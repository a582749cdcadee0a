-- bench/lua/mixed.lua: 80 % GET /notes/{id}/, 10 % POST /notes/, 10 % PUT /notes/{id}/ on random
-- ids in [lo, hi] (args: lo hi).
local lo, hi
local headers = {["Content-Type"] = "application/json"}
local post_body = '{"title": "bench note", "description": "created by scripts/bench"}'
local put_body = '{"title": "bench update", "description": "updated by scripts/bench"}'
function init(args)
   local a = bench_args(args)
   lo, hi = a[1], a[2]
   math.randomseed(os.time() + 15485863 * (tid or 0))
end
function request()
   local r = math.random(100)
   if r <= 80 then
      return wrk.format("GET", "/notes/" .. math.random(lo, hi) .. "/")
   elseif r <= 90 then
      return wrk.format("POST", "/notes/", headers, post_body)
   end
   return wrk.format("PUT", "/notes/" .. math.random(lo, hi) .. "/", headers, put_body)
end
