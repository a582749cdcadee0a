-- bench/pgbench/list_all.sql: the worker's "list" statement without a limit (GET /notes/).
SELECT id, title, description FROM notes ORDER BY id LIMIT NULL::bigint OFFSET 0::bigint;
