-- Browser sessions, shared by every instance (twin of the SQLite migration, which also drops the
-- table an earlier session store created at run time; PostgreSQL never had one).
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    -- The session record, JSON.
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);
