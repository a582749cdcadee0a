# docker/nginx.Dockerfile: nginx in front of the pool (compose service `nginx`), rendering the same
# conf/ templates as scripts/stack (conf/render) when the container starts. Runs as www-data.
# Build context: the repository root (see docker-compose.yml and .dockerignore).

# The API documentation site: the two npm packages the pages load, as the tarballs
# package-lock.json pins (sha512 checked), fetched with curl: no Node.js or npm in the build
# (docker/docs-site.sh copies the same files as docs/install-assets.sh).
FROM debian:bookworm-slim AS docs
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package-lock.json ./
COPY docs/openapi.json docs/
COPY docs/site/ docs/site/
COPY docker/docs-site.sh docker/
RUN docker/docs-site.sh /src /site

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && mkdir -p /run/notes && chown www-data:www-data /run/notes
COPY conf/ /etc/notes/conf/
COPY docker/nginx-start.sh docker/nginx-health.sh /etc/notes/
COPY --from=docs /site /usr/share/notes-api/docs
USER www-data
ENV UPSTREAM=app:9000 PORT=8002
EXPOSE 8002
# A graceful stop on `docker stop`: nginx stops listening and finishes the requests in flight
# (SIGTERM, Docker's default, is nginx's fast shutdown, which drops them).
STOPSIGNAL SIGQUIT
# Ready means the whole path answers: nginx, a worker, the database (docker/nginx-health.sh).
HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD ["/etc/notes/nginx-health.sh"]
CMD ["/etc/notes/nginx-start.sh"]
