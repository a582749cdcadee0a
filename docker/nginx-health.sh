#!/bin/bash
# docker/nginx-health.sh: the nginx container's health check, without curl in the image: a GET
# through nginx to a worker's readiness probe (HEALTH_PATH, default /ready: the database reachable
# at the expected schema, and open in both auth modes) must answer
# 200 within 3 s. Bash's /dev/tcp, HTTP/1.0 so nginx closes the connection after the answer.
set -u
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8002}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "${HEALTH_PATH:-/ready}" >&3
IFS=' ' read -r -t 3 _ code _ <&3 || exit 1
[ "$code" = 200 ]
