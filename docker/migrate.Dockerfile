# docker/migrate.Dockerfile: the image of the compose services `migrate` (scripts/migrate and the
# least-privilege roles of scripts/db-roles, docker/migrate.sh) and `token-cleanup`
# (scripts/token-cleanup): psql and those scripts. Built from Debian bookworm packages only; runs
# as the unprivileged user `notes`.
# Build context: the repository root (see docker-compose.yml and .dockerignore).

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin notes
# The same migration command as scripts/stack: scripts/migrate finds ../sql beside itself.
COPY scripts/migrate scripts/db-roles scripts/token-cleanup /app/scripts/
COPY sql/ /app/sql/
COPY docker/migrate.sh /app/docker/migrate.sh
USER notes
CMD ["/app/docker/migrate.sh"]
