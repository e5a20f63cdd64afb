-- Connections that sign in as OCI users do: session tokens, instance principals and resource
-- principals, beside API keys.
--
-- `kind` keeps telling the built-in sandbox connection ('sandbox') from a tenancy the team added
-- ('api_key', whatever it signs in with); `auth` says how such a connection signs in. The CHECK
-- on `kind` is not widened because SQLite can only do that by rebuilding the table, and sqlx runs
-- each migration in a transaction, where foreign keys cannot be switched off: dropping the old
-- table would cascade to every deployment and health row that references a connection.
-- Instance and resource principals hold no key; their private_key_sealed is an empty placeholder
-- that satisfies the table's CHECK and is never read.
--
-- security_token_sealed holds a session token sealed under the master key (context
-- connection/{id}/security_token) and session_expires_at when it expires (kept in step with each
-- refresh, so lists show it without opening the token).

ALTER TABLE connections ADD COLUMN auth TEXT NOT NULL DEFAULT 'api_key'
    CHECK (auth IN ('api_key', 'session_token', 'instance_principal', 'resource_principal'));
ALTER TABLE connections ADD COLUMN security_token_sealed BLOB;
ALTER TABLE connections ADD COLUMN session_expires_at TEXT;
