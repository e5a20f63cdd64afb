-- Deployments: a template version applied to a connection + compartment, what it owns in the
-- cloud, and every apply as a durable run of steps (so a crash mid-apply can be shown and resumed).
CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    -- Random id written into the freeform tags of everything the deployment creates.
    uid TEXT NOT NULL UNIQUE,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    template_id INTEGER NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    -- The version of the last apply (the one being applied while a run is running).
    version INTEGER NOT NULL,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    compartment_id TEXT NOT NULL,
    -- Parameter values (JSON object) of the last apply.
    parameters TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'destroyed')),
    drift TEXT NOT NULL DEFAULT 'unknown' CHECK (drift IN ('unknown', 'in_sync', 'drifted', 'failed')),
    -- The plan the last drift check found (JSON), when it found changes.
    drift_plan TEXT,
    drift_checked_at TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (team_id, name)
) STRICT;

CREATE TABLE deployment_resources (
    deployment_id INTEGER NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'subscription', 'rule')),
    key TEXT NOT NULL,
    ocid TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (deployment_id, kind, key)
) STRICT;

CREATE TABLE apply_runs (
    id INTEGER PRIMARY KEY,
    deployment_id INTEGER NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('apply', 'destroy')),
    version INTEGER NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}',
    -- The rendered desired state (JSON) the steps create and update from.
    desired TEXT NOT NULL,
    -- The reviewed plan (JSON).
    plan TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'succeeded', 'failed', 'interrupted')),
    started_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT
) STRICT;

CREATE INDEX apply_runs_by_deployment ON apply_runs (deployment_id, id);

CREATE TABLE apply_steps (
    run_id INTEGER NOT NULL REFERENCES apply_runs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'subscription', 'rule')),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Positions of the steps that must be done first (JSON array).
    after TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'skipped')),
    -- The opc-retry-token of a create, stored before the call so a resumed step repeats the same
    -- request and OCI answers with the resource the lost answer described.
    retry_token TEXT,
    -- The OCID updated or deleted, or the one a create made.
    resource_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    PRIMARY KEY (run_id, position)
) STRICT;
