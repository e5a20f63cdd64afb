-- Fan-out deployments: one template version applied to every region and compartment of a scope.
-- Each target is an ordinary deployment (with its own runs, resources and drift) that names its
-- set and its region; the set keeps the scope, so a plan re-evaluates it (compartments that
-- appeared since become new targets).
CREATE TABLE deployment_sets (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    template_id INTEGER NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    -- The version and parameter values (JSON object) of the last apply.
    version INTEGER NOT NULL,
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    parameters TEXT NOT NULL DEFAULT '{}',
    -- Regions, explicit compartments, and "every compartment under X matching a pattern" (JSON).
    scope TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (team_id, name)
) STRICT;

-- The region a deployment applies in (the connection's own when null), and the set it belongs to.
ALTER TABLE deployments ADD COLUMN region TEXT;
ALTER TABLE deployments ADD COLUMN set_id INTEGER REFERENCES deployment_sets (id) ON DELETE CASCADE;
CREATE INDEX deployments_by_set ON deployments (set_id) WHERE set_id IS NOT NULL;
