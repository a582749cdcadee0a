-- 001: the tutorial's notes table (app/db.py), the first versioned migration.
CREATE TABLE notes (
    id serial PRIMARY KEY,
    title varchar(50),
    description varchar(50),
    created_date timestamp DEFAULT now() NOT NULL
);
