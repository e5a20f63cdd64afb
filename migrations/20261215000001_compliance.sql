-- Compliance checks: the CIS monitoring recommendations judged for every region and compartment
-- of a scope, with the last result of each cell (what an export hands an auditor).
CREATE TABLE compliance_checks (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    -- Regions and compartments judged (JSON, the scope of a fan-out deployment).
    scope TEXT NOT NULL,
    -- The fan-out deployment of the pack whose plan fixes failing cells.
    set_id INTEGER REFERENCES deployment_sets (id) ON DELETE SET NULL,
    -- A topic told of each change of status.
    notify_topic_id TEXT,
    -- Inbox subscriptions prove a chain only with a delivery this recent (days).
    delivery_days INTEGER,
    checked_at TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (team_id, name)
) STRICT;

CREATE TABLE compliance_results (
    check_id INTEGER NOT NULL REFERENCES compliance_checks (id) ON DELETE CASCADE,
    recommendation TEXT NOT NULL,
    region TEXT NOT NULL,
    compartment_id TEXT NOT NULL,
    compartment_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
    reason TEXT NOT NULL,
    rule_id TEXT,
    rule_name TEXT,
    topic_id TEXT,
    -- OCI request ids of the reads that decided it (JSON array).
    request_ids TEXT NOT NULL DEFAULT '[]',
    checked_at TEXT NOT NULL,
    -- Since when the cell has had this status.
    since TEXT NOT NULL,
    PRIMARY KEY (check_id, recommendation, region, compartment_id)
) STRICT;
