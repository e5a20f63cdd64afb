-- The last known health of each pipeline (a rule and everything behind it), so the dashboard can
-- list them without reading the cloud, and a change of status can be written to the audit trail.
CREATE TABLE pipeline_health (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    compartment_id TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('healthy', 'degraded', 'broken')),
    -- JSON array of the reasons, worst first.
    reasons TEXT NOT NULL DEFAULT '[]',
    checked_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (connection_id, rule_id)
) STRICT;

CREATE INDEX pipeline_health_by_compartment ON pipeline_health (connection_id, compartment_id);
