-- bench/lua/post.lua: POST /notes/ with a small JSON note (a static request: wrk sends it as is).
wrk.method = "POST"
wrk.path = "/notes/"
wrk.body = '{"title": "bench note", "description": "created by scripts/bench"}'
wrk.headers["Content-Type"] = "application/json"
