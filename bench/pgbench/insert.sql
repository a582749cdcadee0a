-- bench/pgbench/insert.sql: the worker's "create" statement (POST /notes/).
INSERT INTO notes (title, description) VALUES ('bench note', 'created by pgbench') RETURNING id, title, description;
