-- The template library: pipeline templates (app/src/template) with immutable, numbered versions.
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- private: its creator only; team: the team's members; everyone: every user, in any team.
    visibility TEXT NOT NULL DEFAULT 'team' CHECK (visibility IN ('private', 'team', 'everyone')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (team_id, name)
) STRICT;

CREATE TABLE template_versions (
    id INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    -- The template document as JSON text, exactly as published.
    document TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (template_id, version)
) STRICT;

-- A published version never changes: deployments and plans refer to it.
CREATE TRIGGER template_versions_immutable BEFORE UPDATE ON template_versions
BEGIN
    SELECT RAISE(ABORT, 'template versions are immutable; publish a new version');
END;
