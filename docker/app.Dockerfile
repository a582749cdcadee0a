# docker/app.Dockerfile: the worker pool image (compose services `app` and `migrate`).
# Built from Debian bookworm packages only; the pool runs as the unprivileged user `notes`.
# Build context: the repository root (see docker-compose.yml).

FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential autoconf automake pkg-config \
      libfcgi-dev libpq-dev libjson-c-dev libcunit1-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi \
 && mkdir -p /build && cd /build \
 && /src/configure --prefix=/usr/local \
 && make -j"$(nproc)" src/notes-worker \
 && install -m 0755 src/notes-worker /usr/local/bin/notes-worker

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libfcgi0ldbl libpq5 libjson-c5 spawn-fcgi multiwatch postgresql-client libfcgi-bin \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin notes
COPY --from=build /usr/local/bin/notes-worker /usr/local/bin/notes-worker
# The same migration command as scripts/stack: scripts/migrate finds ../sql beside itself.
COPY scripts/migrate /app/scripts/migrate
COPY sql/ /app/sql/
COPY docker/app-pool.sh /app/docker/app-pool.sh
USER notes
ENV WORKERS=2 FCGI_PORT=9000
EXPOSE 9000
# /ping through the FastCGI socket itself, as nginx would ask for it.
HEALTHCHECK --interval=5s --timeout=3s --retries=5 \
  CMD env -i REQUEST_METHOD=GET PATH_INFO=/ping DOCUMENT_URI=/ping \
      cgi-fcgi -bind -connect "127.0.0.1:${FCGI_PORT}" | grep -q pong
CMD ["/app/docker/app-pool.sh"]
