-- Accounts, teams, roles, API tokens, and the audit trail's first table (issue 7 extends it).

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    is_site_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_site_admin IN (0, 1)),
    disabled_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- Sessions that began before this instant are no longer valid ("log out everywhere").
    sessions_valid_after TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE TABLE memberships (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    PRIMARY KEY (team_id, user_id)
) STRICT;

CREATE INDEX memberships_by_user ON memberships (user_id);

-- Tokens are stored as SHA-256 of their secret part; the prefix finds the row.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_used_at TEXT,
    revoked_at TEXT
) STRICT;

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor_user_id INTEGER,
    actor_token_id INTEGER,
    actor_name TEXT NOT NULL,
    team_id INTEGER,
    source TEXT NOT NULL CHECK (source IN ('ui', 'api', 'cli', 'engine', 'system')),
    action TEXT NOT NULL,
    target_kind TEXT,
    target_id TEXT,
    target_name TEXT,
    before_json TEXT,
    after_json TEXT,
    result TEXT NOT NULL CHECK (result IN ('ok', 'failed')),
    detail TEXT,
    client_ip TEXT
) STRICT;

CREATE INDEX audit_events_by_time ON audit_events (at);
