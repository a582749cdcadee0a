-- bench/lua/get_gzip.lua: GET the URL wrk was given asking for gzip (Accept-Encoding: gzip), as
-- a browser does: nginx compresses JSON over 1 KiB.
wrk.headers["Accept-Encoding"] = "gzip"
