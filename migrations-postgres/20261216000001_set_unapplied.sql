-- PostgreSQL twin of migrations/20261216000001_set_unapplied.sql.
ALTER TABLE deployment_sets ADD COLUMN unapplied TEXT NOT NULL DEFAULT '[]';
ALTER TABLE deployment_sets ADD COLUMN unapplied_checked_at TEXT;
