-- bench/pgbench/update.sql: the worker's "update" statement (PUT /notes/{id}/).
\set id random(:lo, :hi)
UPDATE notes SET title = 'bench update', description = 'updated by pgbench' WHERE id = :id RETURNING id, title, description;
