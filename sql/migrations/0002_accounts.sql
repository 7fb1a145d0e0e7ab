-- 0002_accounts.sql: users, server-side sessions, one-shot flash messages, login throttling.
--
-- Applied by `musicgraph-admin migrate` inside one transaction; do not add BEGIN/COMMIT.

-- Accounts. Usernames and emails are unique regardless of case (the unique indexes on
-- lower(...) decide races between two registrations).
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL
        CONSTRAINT users_username_format CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
    email text NOT NULL
        CONSTRAINT users_email_format
        CHECK (length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    password_hash text NOT NULL
        CONSTRAINT users_password_hash_length CHECK (length(password_hash) BETWEEN 1 AND 512),
    is_admin boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Sessions: the cookie holds a random 256-bit token; only its SHA-256 is stored, so a copy
-- of this table does not let anyone log in. expires_at is the absolute end; the idle timeout
-- is applied against last_seen_at by the server.
CREATE TABLE sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL
        CONSTRAINT sessions_token_hash_length CHECK (length(token_hash) = 32),
    user_id bigint NOT NULL
        CONSTRAINT sessions_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL
        CONSTRAINT sessions_csrf_token_length CHECK (length(csrf_token) BETWEEN 32 AND 128),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    user_agent text NOT NULL DEFAULT ''
        CONSTRAINT sessions_user_agent_length CHECK (length(user_agent) <= 512),
    ip text NOT NULL DEFAULT ''
        CONSTRAINT sessions_ip_length CHECK (length(ip) <= 64)
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Flash messages survive exactly one redirect: written by the request that redirects, read
-- and deleted by the next page. The browser holds a random key (cookie); we store its hash.
CREATE TABLE flash_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash bytea NOT NULL
        CONSTRAINT flash_messages_key_hash_length CHECK (length(key_hash) = 32),
    category text NOT NULL
        CONSTRAINT flash_messages_category CHECK (category IN ('success', 'error', 'info')),
    message text NOT NULL
        CONSTRAINT flash_messages_message_length CHECK (length(message) BETWEEN 1 AND 500),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flash_messages_key_hash_idx ON flash_messages (key_hash);
CREATE INDEX flash_messages_created_at_idx ON flash_messages (created_at);

-- Failed logins, counted per account and per client address over a sliding window; shared by
-- every worker and host. A successful login deletes the account's rows.
CREATE TABLE login_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account text NOT NULL
        CONSTRAINT login_failures_account_length CHECK (length(account) <= 254),
    ip text NOT NULL
        CONSTRAINT login_failures_ip_length CHECK (length(ip) <= 64),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account_at_idx ON login_failures (account, at);
CREATE INDEX login_failures_ip_at_idx ON login_failures (ip, at);
