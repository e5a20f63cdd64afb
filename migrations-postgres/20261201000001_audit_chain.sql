-- PostgreSQL twin of migrations/20261201000001_audit_chain.sql.
ALTER TABLE audit_events ADD COLUMN compartment_id TEXT;
ALTER TABLE audit_events ADD COLUMN apply_run_id BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;

-- The head of the chain. Every append updates it first, which takes the row's lock before the
-- previous hash is read, so two appends (from any instance) can never chain onto the same row.
CREATE TABLE audit_chain (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    rows BIGINT NOT NULL DEFAULT 0,
    last_id BIGINT NOT NULL DEFAULT 0,
    last_hash TEXT NOT NULL DEFAULT '',
    pruned_through_id BIGINT NOT NULL DEFAULT 0,
    pruned_hash TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_chain (id) VALUES (1);

CREATE FUNCTION audit_events_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events rows are append-only';
END;
$$;
CREATE TRIGGER audit_events_sealed BEFORE UPDATE ON audit_events
    FOR EACH ROW WHEN (OLD.hash IS NOT NULL) EXECUTE FUNCTION audit_events_sealed();

DROP INDEX audit_events_by_time;
CREATE INDEX audit_events_by_day ON audit_events (at, result, team_id);
CREATE INDEX audit_events_by_result ON audit_events (result, id);
CREATE INDEX audit_events_by_team ON audit_events (team_id, id);
CREATE INDEX audit_events_by_target ON audit_events (target_id, id);
CREATE INDEX audit_events_by_action ON audit_events (action, id);
CREATE INDEX audit_events_by_actor ON audit_events (actor_name, id);
CREATE INDEX audit_events_by_connection ON audit_events (connection_id, id);

-- Full-text search over names, OCIDs, request ids and the before/after JSON: where SQLite has an
-- FTS5 table, a tsvector per row with a GIN index. The 'simple' configuration neither stems nor
-- drops words, as FTS5's default tokenizer does not.
CREATE TABLE audit_search (
    id BIGINT PRIMARY KEY REFERENCES audit_events (id) ON DELETE CASCADE,
    document tsvector NOT NULL
);
CREATE INDEX audit_search_document ON audit_search USING GIN (document);

-- Punctuation and spaces separate words, as in FTS5's default tokenizer, before PostgreSQL's
-- parser sees the text: it would otherwise keep an e-mail address, a host or a path whole, and a
-- search for one of its parts would miss what SQLite finds.
CREATE FUNCTION audit_search_document(e audit_events) RETURNS tsvector LANGUAGE sql IMMUTABLE
    RETURN to_tsvector('simple', regexp_replace(concat_ws(' ', e.actor_name, e.action, e.target_kind, e.target_id,
        e.target_name, e.compartment_id, e.detail, e.before_json, e.after_json, e.opc_request_id),
        '[[:punct:][:space:]]+', ' ', 'g'));

CREATE FUNCTION audit_events_indexed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_search (id, document) VALUES (NEW.id, audit_search_document(NEW));
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_events_indexed AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_indexed();

INSERT INTO audit_search (id, document) SELECT e.id, audit_search_document(e) FROM audit_events e;
