-- bench/pgbench/select.sql: the worker's "get" statement (GET /notes/{id}/).
\set id random(:lo, :hi)
SELECT id, title, description FROM notes WHERE id = :id;
