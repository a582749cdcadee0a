# docker/nginx.Dockerfile: nginx in front of the pool (compose service `nginx`), rendering the same
# conf/ templates as scripts/stack (conf/render) when the container starts. Runs as www-data.
# Build context: the repository root (see docker-compose.yml).

# The API documentation site, from the pinned npm packages (docs/install-assets.sh).
FROM debian:bookworm AS docs
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
COPY docs/ docs/
RUN docs/install-assets.sh --runtime-only /site

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /run/notes && chown www-data:www-data /run/notes
COPY conf/ /etc/notes/conf/
COPY docker/nginx-start.sh /etc/notes/nginx-start.sh
COPY --from=docs /site /usr/share/notes-api/docs
USER www-data
ENV UPSTREAM=app:9000 PORT=8002
EXPOSE 8002
HEALTHCHECK --interval=5s --timeout=3s --retries=5 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/ping" || exit 1
CMD ["/etc/notes/nginx-start.sh"]
