# shellcheck shell=bash
# scripts/stack.d/cors.sh: CORS for browsers on other origins (issue 12), off by default.
# Sourced by scripts/stack (which defines say, warn, die and SRCDIR); defines functions only.
#
# NOTES_CORS_ORIGINS: the allowed origins, separated by spaces or commas
# ("https://app.example http://localhost:5173"), or "*" for any origin. Unset or empty: no CORS
# headers at all, and a browser refuses cross-origin answers. render_cors writes two files that
# conf/nginx.conf.in includes (cors-http.conf at http level, cors-server.conf in the server):
#   - an allowed Origin is echoed in Access-Control-Allow-Origin ("*" for "*"), with
#     Access-Control-Expose-Headers for the headers scripts read (ETag, Location, Link, ...),
#     and Vary: Origin on every answer, so that caches keep answers per origin;
#   - a preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin is answered
#     204 by nginx itself, never reaching a worker or the database;
#   - credentials are never allowed (no Access-Control-Allow-Credentials, with "*" or not): the
#     API uses no cookies, and a bearer token in Authorization needs no credentials mode.

CORS_METHODS="GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS="Authorization, Content-Type, If-Match, If-None-Match, Prefer"
CORS_EXPOSE="ETag, Location, Link, Content-Range, Preference-Applied, WWW-Authenticate"

# Writes (or, when CORS is off, removes) $CONF_OUT/cors-http.conf and cors-server.conf.
render_cors() {
	local origins=${NOTES_CORS_ORIGINS:-} o map_lines="" default='""'
	rm -f "$CONF_OUT/cors-http.conf" "$CONF_OUT/cors-server.conf"
	origins=${origins//,/ }
	[ -n "${origins// /}" ] || return 0
	for o in $origins; do
		if [ "$o" = "*" ]; then
			default='"*"'
		elif [[ $o =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]]; then
			map_lines+="    \"$o\" \$http_origin;"$'\n'
		else
			die "NOTES_CORS_ORIGINS: '$o' is not an origin (scheme://host[:port], or *)"
		fi
	done
	cat >"$CONF_OUT/cors-http.conf" <<-CONF
		# Rendered by scripts/stack.d/cors.sh from NOTES_CORS_ORIGINS=$NOTES_CORS_ORIGINS
		map \$http_origin \$cors_allow_origin {
		    default $default;
		$map_lines}
		map "\$cors_allow_origin|\$request_method|\$http_access_control_request_method" \$cors_preflight {
		    default 0;
		    "~^[^|]+\|OPTIONS\|.+\$" 1;
		}
		map \$cors_allow_origin \$cors_expose { default "$CORS_EXPOSE"; "" ""; }
		map \$cors_preflight \$cors_methods { default ""; 1 "$CORS_METHODS"; }
		map \$cors_preflight \$cors_headers { default ""; 1 "$CORS_HEADERS"; }
		map \$cors_preflight \$cors_max_age { default ""; 1 600; }
	CONF
	cat >"$CONF_OUT/cors-server.conf" <<-'CONF'
		# Rendered by scripts/stack.d/cors.sh: the server's CORS headers (beside nosniff and
		# no-store, at the same level, so every location that inherits one inherits all).
		add_header Vary Origin always;
		add_header Access-Control-Allow-Origin $cors_allow_origin always;
		add_header Access-Control-Expose-Headers $cors_expose always;
		add_header Access-Control-Allow-Methods $cors_methods always;
		add_header Access-Control-Allow-Headers $cors_headers always;
		add_header Access-Control-Max-Age $cors_max_age always;
		if ($cors_preflight) {
		    return 204;
		}
	CONF
	say "CORS on for: $origins"
}
