-- bench/lua/delete.lua: DELETE /notes/{id}/ on notes scripts/bench created for it: thread t of
-- n deletes lo+t, lo+t+n, ... up to hi, each id once (args: lo hi nthreads). A thread that runs
-- out of ids stops and reports it (BENCH_RESULT exhausted=...).
local id, hi, step
function init(args)
   local a = bench_args(args)
   id, hi, step = a[1] + (tid or 0), a[2], a[3]
end
function request()
   if id > hi then
      wrk.thread:set("exhausted", 1)
      wrk.thread:stop()
      return wrk.format("GET", "/ping")
   end
   local path = "/notes/" .. id .. "/"
   id = id + step
   return wrk.format("DELETE", path)
end
