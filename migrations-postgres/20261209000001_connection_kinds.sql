-- PostgreSQL twin of migrations/20261209000001_connection_kinds.sql.
ALTER TABLE connections ADD COLUMN auth TEXT NOT NULL DEFAULT 'api_key'
    CHECK (auth IN ('api_key', 'session_token', 'instance_principal', 'resource_principal'));
ALTER TABLE connections ADD COLUMN security_token_sealed BYTEA;
ALTER TABLE connections ADD COLUMN session_expires_at TEXT;
