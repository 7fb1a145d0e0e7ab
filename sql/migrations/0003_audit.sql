-- 0003_audit.sql: the audit log of every change of data or roles.
--
-- Applied by `musicgraph-admin migrate` inside one transaction; do not add BEGIN/COMMIT.
-- Rows are written in the same transaction as the change they describe, so the log never
-- claims a change that was rolled back, nor misses one that was committed.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    -- who: the user (kept as a name too, so the entry survives the account), or the CLI
    actor_id bigint CONSTRAINT audit_log_actor_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    actor text NOT NULL CONSTRAINT audit_log_actor_length CHECK (length(actor) BETWEEN 1 AND 128),
    -- what: "genre.create", "band.update", "user.promote", …
    action text NOT NULL CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z]+\.[a-z_]+$'),
    -- which record
    target_type text NOT NULL
        CONSTRAINT audit_log_target_type CHECK (target_type IN ('genre', 'band', 'user')),
    target_id text NOT NULL CONSTRAINT audit_log_target_id_length CHECK (length(target_id) <= 128),
    -- the changed fields: {"before": {...}, "after": {...}}
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at DESC);
