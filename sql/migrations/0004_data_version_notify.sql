-- 0004_data_version_notify.sql: announce every move of the data version on a channel.
--
-- Applied by `musicgraph-admin migrate` inside one transaction; do not add BEGIN/COMMIT.
-- The server's workers LISTEN on musicgraph_data_version (MUSICGRAPH_DATA_VERSION=listen) and
-- keep the version they read until a notification says it moved, instead of reading the row on
-- every request. NOTIFY is transactional: PostgreSQL delivers it when the transaction commits,
-- and only if it commits, so a listener never hears of a change it cannot see yet.
--
-- The trigger sits on data_version itself, not in data_version_bump(): every UPDATE that moves
-- the number is announced, whether the bump trigger made it or someone ran
-- `UPDATE data_version SET version = version + 1` by hand to make the servers reload.
-- data_version_bump() moves it once per writing transaction, so a transaction sends one
-- notification. The payload is the new version: a listener reads the version again when the
-- payload is above the one it has (or is not a number: a stray NOTIFY costs one query).
CREATE FUNCTION data_version_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('musicgraph_data_version', NEW.version::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER data_version_notify AFTER UPDATE ON data_version
    FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version)
    EXECUTE FUNCTION data_version_notify();
