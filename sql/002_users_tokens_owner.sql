-- 002: accounts, bearer tokens and the owner of each note (issue 10, NOTES_AUTH=on).
-- Passwords are kept only as argon2id hashes (PHC strings); tokens only as the SHA-256 of the
-- token (the token itself is never stored). Notes created while auth was off have no owner
-- (NULL): with auth on no user can see them, until an operator gives them one
-- (UPDATE notes SET owner = ... WHERE owner IS NULL).
CREATE TABLE users (
    id serial PRIMARY KEY,
    username varchar(50) NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at timestamptz DEFAULT now() NOT NULL
);

CREATE TABLE tokens (
    hash bytea PRIMARY KEY CHECK (length(hash) = 32),
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz DEFAULT now() NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
-- The background cleanup deletes by expiry.
CREATE INDEX tokens_expires_at ON tokens (expires_at);

ALTER TABLE notes ADD COLUMN owner integer REFERENCES users (id) ON DELETE CASCADE;
-- A user's notes in id order (the owned list and every owned lookup).
CREATE INDEX notes_owner_id ON notes (owner, id);
