-- bench/pgbench/list.sql: the worker's "list" statement (GET /notes/?limit=:lim).
SELECT id, title, description FROM notes ORDER BY id LIMIT :lim::bigint OFFSET 0::bigint;
