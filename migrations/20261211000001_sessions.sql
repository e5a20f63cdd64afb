-- Browser sessions move into the schema. They lived in a table the session store created at run
-- time (`tower_sessions`, SQLite only); here they have a PostgreSQL twin, so a session begun on one
-- instance is valid on every other. Sessions open at the upgrade end (users sign in again once).
DROP TABLE IF EXISTS tower_sessions;

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    -- The session record, JSON.
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_by_expiry ON sessions (expires_at);
