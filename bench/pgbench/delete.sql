-- bench/pgbench/delete.sql: the worker's "delete" statement (DELETE /notes/{id}/), each client
-- deleting its own ids lo+c, lo+c+nc, ... (variables persist per client between transactions).
\set n :n + 1
\set id :lo + :client_id + (:n - 1) * :nc
DELETE FROM notes WHERE id = :id RETURNING id, title, description;
