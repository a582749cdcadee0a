-- 003 (issue 12): note versions for strong ETags, and the indexes of search, sort and keyset
-- paging. Independent of 002: it touches only the notes table of 001.

-- Every state of every note gets a version from one sequence, so an ETag ("<version>") names
-- one state of one note and is never given twice, not even to a note that reuses a deleted
-- note's id. Existing notes get their first versions here.
CREATE SEQUENCE notes_version_seq;
ALTER TABLE notes ADD COLUMN version bigint NOT NULL DEFAULT nextval('notes_version_seq');
ALTER SEQUENCE notes_version_seq OWNED BY notes.version;

-- Any UPDATE, by whichever worker or by hand, gives the note a new version: an older worker
-- that knows nothing of versions still changes the ETag when it changes a note.
CREATE FUNCTION notes_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := nextval('notes_version_seq');
    RETURN NEW;
END
$$;
CREATE TRIGGER notes_bump_version BEFORE UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION notes_bump_version();

-- ?q=: trigram indexes (pg_trgm, Debian's postgresql-contrib) on the ICU-lower-cased texts,
-- the exact expressions the worker's search compares (src/store_pg.c, SEARCH_WHERE).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX notes_title_trgm ON notes USING gin (lower(title COLLATE "und-x-icu") gin_trgm_ops);
CREATE INDEX notes_description_trgm ON notes
    USING gin (lower(description COLLATE "und-x-icu") gin_trgm_ops);

-- ?sort=title / created_date with keyset paging: (key, id) in both directions.
CREATE INDEX notes_title_id ON notes (title, id);
CREATE INDEX notes_created_id ON notes (created_date, id);
