# docker/app.Dockerfile: the image of the compose service `app` (the worker pool): the worker
# built in a first stage, then only what runs it. Built from Debian bookworm packages only; runs
# as the unprivileged user `notes`. (`migrate` and `token-cleanup` have docker/migrate.Dockerfile:
# the pool's image carries no psql, and building that one compiles nothing.)
# Build context: the repository root (see docker-compose.yml and .dockerignore).

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential autoconf automake pkg-config \
      libfcgi-dev libpq-dev libjson-c-dev libargon2-dev libsodium-dev libcunit1-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
 && mkdir -p /build && cd /build \
 && /src/configure --prefix=/usr/local \
 && make -j"$(nproc)" src/notes-worker \
 && strip src/notes-worker \
 && install -m 0755 src/notes-worker /usr/local/bin/notes-worker

FROM debian:bookworm-slim AS app
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libfcgi0ldbl libpq5 libjson-c5 libargon2-1 libsodium23 spawn-fcgi multiwatch libfcgi-bin \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin notes
COPY --from=build /usr/local/bin/notes-worker /usr/local/bin/notes-worker
COPY docker/app-pool.sh /app/docker/app-pool.sh
USER notes
ENV WORKERS=2 FCGI_PORT=9000
EXPOSE 9000
# multiwatch (PID 1) turns SIGTERM into each worker's graceful SIGUSR1 (docker/app-pool.sh).
STOPSIGNAL SIGTERM
# Ready means a worker's GET /ready answers 200 (the database reachable at the expected schema,
# in both auth modes), through
# the FastCGI port itself, as nginx would ask for it.
HEALTHCHECK --interval=5s --timeout=3s --retries=3 \
  CMD env -i REQUEST_METHOD=GET PATH_INFO=/ready \
      cgi-fcgi -bind -connect "127.0.0.1:${FCGI_PORT}" | grep -q '^Status: 200'
CMD ["/app/docker/app-pool.sh"]
