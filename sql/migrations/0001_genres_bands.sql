-- 0001_genres_bands.sql: genres and their parents and aliases, bands and their genres, the data version.
--
-- Applied by `musicgraph-admin migrate` inside one transaction; do not add BEGIN/COMMIT.
-- Error codes raised here (besides the standard 23xxx integrity ones):
--   MG001  the change would make a cycle in the genre parents
--   MG002  a genre has parents but no primary parent (at commit)
-- Advisory lock (19783, 2) ("MG", 2) serialises changes to the genre graph; musicgraph-admin
-- migrate uses (19783, 1).

-- The data version: one row whose number moves whenever a transaction changes the genres, the
-- bands or their links. The server uses it for the /api/graph ETag and its cache.
CREATE TABLE data_version (
    singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT data_version_singleton CHECK (singleton),
    version bigint NOT NULL
);
INSERT INTO data_version (singleton, version) VALUES (true, 1);

-- Bump the version once per transaction, at the first real change (row triggers call this for
-- every changed row; the transaction-local setting remembers that this transaction already did).
CREATE FUNCTION data_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    xid text := pg_current_xact_id()::text;
BEGIN
    IF current_setting('musicgraph.data_version_xid', true) IS DISTINCT FROM xid THEN
        UPDATE data_version SET version = version + 1 WHERE singleton;
        PERFORM set_config('musicgraph.data_version_xid', xid, true);
    END IF;
    RETURN NULL;
END;
$$;

-- updated_at and version follow real changes of a row (an UPDATE that changes nothing keeps them).
CREATE FUNCTION row_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$;

CREATE TABLE genres (
    id text PRIMARY KEY
        CONSTRAINT genres_id_slug CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 64),
    name text NOT NULL
        CONSTRAINT genres_name_length
        CHECK (length(btrim(name, E' \t\r\n')) BETWEEN 1 AND 200 AND length(name) <= 200),
    parent_id text,
    description_md text NOT NULL DEFAULT ''
        CONSTRAINT genres_description_length CHECK (length(description_md) <= 20000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT genres_parent_not_self CHECK (parent_id <> id)
);
CREATE INDEX genres_parent_id_idx ON genres (parent_id);

-- Every parent of a genre; genres.parent_id names the primary one among them.
CREATE TABLE genre_parents (
    genre_id text NOT NULL
        CONSTRAINT genre_parents_genre_id_fkey REFERENCES genres (id) ON DELETE CASCADE,
    parent_id text NOT NULL
        CONSTRAINT genre_parents_parent_id_fkey REFERENCES genres (id) ON DELETE RESTRICT,
    CONSTRAINT genre_parents_pkey PRIMARY KEY (genre_id, parent_id),
    CONSTRAINT genre_parents_not_self CHECK (genre_id <> parent_id)
);
CREATE INDEX genre_parents_parent_id_idx ON genre_parents (parent_id);

-- The primary parent is one of the genre's parents. Checked at commit, so a genre, its parent
-- links and its primary parent can be written in any order within a transaction. Removing the
-- primary parent's link without choosing another primary parent fails at commit; deleting the
-- genre itself removes its links (CASCADE) together with the row that references them.
ALTER TABLE genres ADD CONSTRAINT genres_primary_parent_fkey
    FOREIGN KEY (id, parent_id) REFERENCES genre_parents (genre_id, parent_id)
    DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE genre_aliases (
    genre_id text NOT NULL
        CONSTRAINT genre_aliases_genre_id_fkey REFERENCES genres (id) ON DELETE CASCADE,
    alias text NOT NULL
        CONSTRAINT genre_aliases_alias_length
        CHECK (length(btrim(alias, E' \t\r\n')) BETWEEN 1 AND 200 AND length(alias) <= 200),
    CONSTRAINT genre_aliases_pkey PRIMARY KEY (genre_id, alias)
);
CREATE INDEX genre_aliases_alias_idx ON genre_aliases (lower(alias));

CREATE TABLE bands (
    id text PRIMARY KEY
        CONSTRAINT bands_id_slug CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 64),
    name text NOT NULL
        CONSTRAINT bands_name_length
        CHECK (length(btrim(name, E' \t\r\n')) BETWEEN 1 AND 200 AND length(name) <= 200),
    primary_genre_id text NOT NULL
        CONSTRAINT bands_primary_genre_id_fkey REFERENCES genres (id) ON DELETE RESTRICT,
    description_md text NOT NULL DEFAULT ''
        CONSTRAINT bands_description_length CHECK (length(description_md) <= 20000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX bands_primary_genre_id_idx ON bands (primary_genre_id);

CREATE TABLE band_genres (
    band_id text NOT NULL
        CONSTRAINT band_genres_band_id_fkey REFERENCES bands (id) ON DELETE CASCADE,
    genre_id text NOT NULL
        CONSTRAINT band_genres_genre_id_fkey REFERENCES genres (id) ON DELETE RESTRICT,
    CONSTRAINT band_genres_pkey PRIMARY KEY (band_id, genre_id)
);
CREATE INDEX band_genres_genre_id_idx ON band_genres (genre_id);

-- The primary genre is one of the band's genres (checked at commit, as for genres).
ALTER TABLE bands ADD CONSTRAINT bands_primary_genre_fkey
    FOREIGN KEY (id, primary_genre_id) REFERENCES band_genres (band_id, genre_id)
    DEFERRABLE INITIALLY DEFERRED;

-- A genre's type is derived from genre_parents, never stored: 'root' without parents (whether
-- or not it has children), 'intermediate' with parents and children, 'leaf' with parents only.
CREATE VIEW genre_types (id, type) AS
SELECT g.id,
       CASE
           WHEN NOT EXISTS (SELECT 1 FROM genre_parents p WHERE p.genre_id = g.id) THEN 'root'
           WHEN EXISTS (SELECT 1 FROM genre_parents c WHERE c.parent_id = g.id) THEN 'intermediate'
           ELSE 'leaf'
       END
FROM genres g;

-- No cycles in the genre parents. Runs after each inserted or changed link and holds the graph
-- lock (19783, 2) until the transaction ends, so two transactions cannot each add half of a
-- cycle: the second waits, then (READ COMMITTED: every query in a function takes a fresh
-- snapshot) sees the first one's links. Lock order: the *_data_version triggers fire before
-- *_no_cycle_* ones (triggers fire in name order), so a writer always holds the data_version
-- row lock before this one; under REPEATABLE READ or SERIALIZABLE a transaction whose snapshot
-- missed a concurrent change fails on that row with 40001 instead of checking stale data.
CREATE FUNCTION genre_parents_check_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids text[];      -- ancestors of NEW.parent_id found so far (breadth first) …
    preds text[];    -- … and the child through which each was reached
    frontier text[];
    next text[];
    link record;
    cur text;
    cycle text[];
BEGIN
    PERFORM pg_advisory_xact_lock(19783, 2);
    -- Is the new child among the ancestors of the new parent? (UNION visits each genre once.)
    IF NOT EXISTS (
        WITH RECURSIVE up (id) AS (
            SELECT NEW.parent_id
            UNION
            SELECT gp.parent_id FROM genre_parents gp JOIN up ON gp.genre_id = up.id
        )
        SELECT 1 FROM up WHERE id = NEW.genre_id
    ) THEN
        RETURN NULL;
    END IF;
    -- Rare: name the genres on a shortest such cycle (breadth-first search from the parent).
    ids := ARRAY[NEW.parent_id];
    preds := ARRAY[NULL::text];
    frontier := ARRAY[NEW.parent_id];
    WHILE cardinality(frontier) > 0 AND NOT NEW.genre_id = ANY (ids) LOOP
        next := '{}';
        FOR link IN SELECT gp.genre_id, gp.parent_id FROM genre_parents gp
                    WHERE gp.genre_id = ANY (frontier) ORDER BY gp.genre_id, gp.parent_id LOOP
            IF NOT link.parent_id = ANY (ids) THEN
                ids := ids || link.parent_id;
                preds := preds || link.genre_id;
                next := next || link.parent_id;
            END IF;
        END LOOP;
        frontier := next;
    END LOOP;
    cur := NEW.genre_id;
    cycle := ARRAY[cur];
    WHILE cur <> NEW.parent_id LOOP
        cur := preds[array_position(ids, cur)];
        cycle := cur || cycle;
    END LOOP;
    cycle := NEW.genre_id || cycle;
    RAISE EXCEPTION 'making "%" a parent of "%" would create a cycle: %',
        NEW.parent_id, NEW.genre_id, array_to_string(cycle, ' -> ')
        USING ERRCODE = 'MG001',
              DETAIL = 'Each genre on the cycle would be its own ancestor ("a -> b" means b is a parent of a).',
              TABLE = 'genre_parents';
END;
$$;

CREATE TRIGGER genre_parents_no_cycle_insert
    AFTER INSERT ON genre_parents
    FOR EACH ROW EXECUTE FUNCTION genre_parents_check_cycle();
CREATE TRIGGER genre_parents_no_cycle_update
    AFTER UPDATE ON genre_parents
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
    EXECUTE FUNCTION genre_parents_check_cycle();

-- A genre with parents has a primary parent (with the foreign key above: parent_id is NULL
-- exactly when the genre has no parents). Checked at commit.
CREATE FUNCTION genre_require_primary_parent(gid text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM genres g
               WHERE g.id = gid AND g.parent_id IS NULL
                 AND EXISTS (SELECT 1 FROM genre_parents p WHERE p.genre_id = g.id)) THEN
        RAISE EXCEPTION 'genre "%" has parents but no primary parent', gid
            USING ERRCODE = 'MG002',
                  HINT = 'Set genres.parent_id to one of its parents.',
                  TABLE = 'genres';
    END IF;
END;
$$;

CREATE FUNCTION genres_check_primary_parent() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM genre_require_primary_parent(NEW.id);
    RETURN NULL;
END;
$$;

CREATE FUNCTION genre_parents_check_primary_parent() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM genre_require_primary_parent(NEW.genre_id);
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER genres_primary_parent_set
    AFTER UPDATE OF parent_id ON genres
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.parent_id IS NULL)
    EXECUTE FUNCTION genres_check_primary_parent();
CREATE CONSTRAINT TRIGGER genre_parents_primary_parent_set
    AFTER INSERT OR UPDATE ON genre_parents
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION genre_parents_check_primary_parent();

-- updated_at / version of genres and bands.
CREATE TRIGGER genres_touch BEFORE UPDATE ON genres
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION row_touch();
CREATE TRIGGER bands_touch BEFORE UPDATE ON bands
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION row_touch();

-- A change to a genre's parents or aliases, or to a band's genres, is a change of that genre
-- or band too: its updated_at and version move (once per transaction, as now() is fixed within
-- one), so optimistic locking on version covers the whole edit form.
CREATE FUNCTION genre_touch_from_link() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE genres SET updated_at = now()
    WHERE id IN (OLD.genre_id, NEW.genre_id) AND updated_at <> now();
    RETURN NULL;
END;
$$;

CREATE FUNCTION band_touch_from_link() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bands SET updated_at = now()
    WHERE id IN (OLD.band_id, NEW.band_id) AND updated_at <> now();
    RETURN NULL;
END;
$$;

CREATE TRIGGER genre_parents_touch_genre AFTER INSERT OR DELETE ON genre_parents
    FOR EACH ROW EXECUTE FUNCTION genre_touch_from_link();
CREATE TRIGGER genre_parents_touch_genre_update AFTER UPDATE ON genre_parents
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION genre_touch_from_link();
CREATE TRIGGER genre_aliases_touch_genre AFTER INSERT OR DELETE ON genre_aliases
    FOR EACH ROW EXECUTE FUNCTION genre_touch_from_link();
CREATE TRIGGER genre_aliases_touch_genre_update AFTER UPDATE ON genre_aliases
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION genre_touch_from_link();
CREATE TRIGGER band_genres_touch_band AFTER INSERT OR DELETE ON band_genres
    FOR EACH ROW EXECUTE FUNCTION band_touch_from_link();
CREATE TRIGGER band_genres_touch_band_update AFTER UPDATE ON band_genres
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION band_touch_from_link();

-- Any real change to the graph's tables moves the data version.
CREATE TRIGGER genres_data_version AFTER INSERT OR DELETE ON genres
    FOR EACH ROW EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genres_data_version_update AFTER UPDATE ON genres
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genres_data_version_truncate AFTER TRUNCATE ON genres
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genre_parents_data_version AFTER INSERT OR DELETE ON genre_parents
    FOR EACH ROW EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genre_parents_data_version_update AFTER UPDATE ON genre_parents
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genre_parents_data_version_truncate AFTER TRUNCATE ON genre_parents
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genre_aliases_data_version AFTER INSERT OR DELETE ON genre_aliases
    FOR EACH ROW EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genre_aliases_data_version_update AFTER UPDATE ON genre_aliases
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER genre_aliases_data_version_truncate AFTER TRUNCATE ON genre_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER bands_data_version AFTER INSERT OR DELETE ON bands
    FOR EACH ROW EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER bands_data_version_update AFTER UPDATE ON bands
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER bands_data_version_truncate AFTER TRUNCATE ON bands
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER band_genres_data_version AFTER INSERT OR DELETE ON band_genres
    FOR EACH ROW EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER band_genres_data_version_update AFTER UPDATE ON band_genres
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION data_version_bump();
CREATE TRIGGER band_genres_data_version_truncate AFTER TRUNCATE ON band_genres
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump();
