-- Targets a fan-out deployment's scope holds that it has not been applied to (compartments made
-- since its last apply), as the scheduled check last found them (JSON array of "region · name").
ALTER TABLE deployment_sets ADD COLUMN unapplied TEXT NOT NULL DEFAULT '[]';
ALTER TABLE deployment_sets ADD COLUMN unapplied_checked_at TEXT;
