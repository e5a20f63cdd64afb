-- The audit trail becomes tamper-evident and searchable.
--
-- Each row carries the SHA-256 of its canonical content chained to the previous row's hash
-- (computed by server/src/audit/chain.rs, which SQLite cannot do). Rows written before this
-- migration are sealed in id order when the server starts.
ALTER TABLE audit_events ADD COLUMN compartment_id TEXT;
ALTER TABLE audit_events ADD COLUMN apply_run_id INTEGER;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;

-- The head of the chain: the last row and how many rows it covers. Every append updates it
-- first, which also takes SQLite's write lock before the previous hash is read, so two appends
-- can never chain onto the same row. A tail deleted behind the application's back no longer
-- matches it.
CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rows INTEGER NOT NULL DEFAULT 0,
    last_id INTEGER NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL DEFAULT '',
    -- Retention pruning removes the oldest rows; the chain then starts after this row and hash.
    pruned_through_id INTEGER NOT NULL DEFAULT 0,
    pruned_hash TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO audit_chain (id) VALUES (1);

-- Append-only for the application: a sealed row cannot be changed.
CREATE TRIGGER audit_events_sealed BEFORE UPDATE ON audit_events
WHEN old.hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'audit_events rows are append-only');
END;

-- Filters of the review UI, newest first (keyset pagination on id).
-- Per-day counts read the time, result and team from the index alone.
DROP INDEX audit_events_by_time;
CREATE INDEX audit_events_by_day ON audit_events (at, result, team_id);
-- "What failed", newest first.
CREATE INDEX audit_events_by_result ON audit_events (result, id);
CREATE INDEX audit_events_by_team ON audit_events (team_id, id);
CREATE INDEX audit_events_by_target ON audit_events (target_id, id);
CREATE INDEX audit_events_by_action ON audit_events (action, id);
CREATE INDEX audit_events_by_actor ON audit_events (actor_name, id);
CREATE INDEX audit_events_by_connection ON audit_events (connection_id, id);

-- Full-text search over names, OCIDs, request ids and the before/after JSON.
CREATE VIRTUAL TABLE audit_search USING fts5(
    actor_name, action, target_kind, target_id, target_name, compartment_id, detail, before_json,
    after_json, opc_request_id,
    content = 'audit_events', content_rowid = 'id'
);
CREATE TRIGGER audit_events_indexed AFTER INSERT ON audit_events
BEGIN
    INSERT INTO audit_search (rowid, actor_name, action, target_kind, target_id, target_name,
        compartment_id, detail, before_json, after_json, opc_request_id)
    VALUES (new.id, new.actor_name, new.action, new.target_kind, new.target_id, new.target_name,
        new.compartment_id, new.detail, new.before_json, new.after_json, new.opc_request_id);
END;
CREATE TRIGGER audit_events_unindexed AFTER DELETE ON audit_events
BEGIN
    INSERT INTO audit_search (audit_search, rowid, actor_name, action, target_kind, target_id,
        target_name, compartment_id, detail, before_json, after_json, opc_request_id)
    VALUES ('delete', old.id, old.actor_name, old.action, old.target_kind, old.target_id,
        old.target_name, old.compartment_id, old.detail, old.before_json, old.after_json,
        old.opc_request_id);
END;
INSERT INTO audit_search (audit_search) VALUES ('rebuild');
