-- bench/lua/get_id_auth.lua: GET /notes/{id}/ with a bearer token (NOTES_AUTH=on), random ids in
-- [lo, hi] (args: lo hi token). The token check is folded into the read's one statement.
local lo, hi, auth
function init(args)
   local a = bench_args(args)
   lo, hi = a[1], a[2]
   auth = "Bearer " .. args[3]
   math.randomseed(os.time() + 7919 * (tid or 0))
end
function request()
   return wrk.format("GET", "/notes/" .. math.random(lo, hi) .. "/", {Authorization = auth})
end
