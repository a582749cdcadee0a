# docker/postgres.Dockerfile: Postgres 15 from Debian's postgresql-15, honouring the contract of
# the official postgres:15 image that docker-compose.yml uses by default, for machines that
# cannot pull it (our CI: no registry). Select it with POSTGRES_IMAGE (tests/compose does).
#   POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), POSTGRES_USER (default postgres),
#   POSTGRES_DB (default $POSTGRES_USER), POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD;
#   data in /var/lib/postgresql/data (PGDATA); scripts in /docker-entrypoint-initdb.d run once;
#   the first initialisation runs a temporary server that listens on the socket only; the
#   cluster is UTF8 with the en_US.UTF-8 locale, as the official image's (LANG=en_US.utf8).
# Runs as the unprivileged user postgres (uid 999, as in the official image).
FROM debian:bookworm-slim
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-common \
 && sed -ri 's/^#?(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 locales \
 && localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8 \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 0700 /var/lib/postgresql/data \
 && chmod 3777 /var/run/postgresql
ENV LANG=en_US.utf8 PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
COPY docker/postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
USER postgres
EXPOSE 5432
# As the official image: a fast shutdown (SIGINT) on `docker stop`.
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
