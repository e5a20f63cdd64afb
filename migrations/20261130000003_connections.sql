-- OCI connections, owned by teams. Private keys and pass phrases are sealed with the server
-- master key (server/src/master_key.rs) and never leave the server.
--
-- Every team has the built-in sandbox connection (kind 'sandbox'): its credentials are the
-- embedded sandbox's own, known at runtime, so its tenancy, user and fingerprint are left empty.
-- A trigger gives new teams theirs; existing teams get it below.

CREATE TABLE connections (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sandbox', 'api_key')),
    tenancy_ocid TEXT NOT NULL DEFAULT '',
    user_ocid TEXT NOT NULL DEFAULT '',
    fingerprint TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    private_key_sealed BLOB,
    pass_phrase_sealed BLOB,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    last_test_at TEXT,
    last_test_ok INTEGER CHECK (last_test_ok IN (0, 1)),
    last_test_message TEXT,
    UNIQUE (team_id, name),
    CHECK (kind = 'sandbox' OR private_key_sealed IS NOT NULL)
) STRICT;

CREATE TRIGGER teams_get_the_sandbox_connection AFTER INSERT ON teams
BEGIN
    INSERT INTO connections (team_id, name, kind) VALUES (NEW.id, 'Built-in sandbox', 'sandbox');
END;

INSERT INTO connections (team_id, name, kind) SELECT id, 'Built-in sandbox', 'sandbox' FROM teams;

-- Audit rows name the connection and the OCI request behind a cloud change.
ALTER TABLE audit_events ADD COLUMN connection_id INTEGER;
ALTER TABLE audit_events ADD COLUMN opc_request_id TEXT;
