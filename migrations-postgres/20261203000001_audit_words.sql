-- PostgreSQL twin of migrations/20261203000001_audit_words.sql.
--
-- Compound words of the audit trail (`orders-alerts-14708` and its suffixes after a joiner), as
-- the server computes them (server/src/db/audit_words.rs), each one lexeme: the server writes
-- them with array_to_tsvector, so no parser splits them again.
CREATE TABLE audit_words (
    id BIGINT PRIMARY KEY REFERENCES audit_events (id) ON DELETE CASCADE,
    words tsvector NOT NULL
);
CREATE INDEX audit_words_words ON audit_words USING GIN (words);

ALTER TABLE audit_chain ADD COLUMN words_backlog BIGINT NOT NULL DEFAULT 0;
UPDATE audit_chain SET words_backlog = (SELECT coalesce(max(id), 0) FROM audit_events);
