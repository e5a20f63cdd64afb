-- PostgreSQL twin of migrations/20261206000002_pipeline_health.sql.
CREATE TABLE pipeline_health (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    compartment_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('healthy', 'degraded', 'broken')),
    reasons TEXT NOT NULL DEFAULT '[]',
    checked_at TEXT NOT NULL DEFAULT signalbox_now(),
    PRIMARY KEY (connection_id, rule_id)
);

CREATE INDEX pipeline_health_by_compartment ON pipeline_health (connection_id, compartment_id);
