-- bench/lua/post_auth.lua: POST /notes/ with a bearer token (NOTES_AUTH=on; args: token). A static
-- request: wrk formats it once, after init() has added the header.
wrk.method = "POST"
wrk.path = "/notes/"
wrk.body = '{"title": "bench note", "description": "created by scripts/bench"}'
wrk.headers["Content-Type"] = "application/json"
function init(args)
   wrk.headers["Authorization"] = "Bearer " .. args[1]
end
