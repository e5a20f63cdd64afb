-- PostgreSQL twin of migrations/20261206000003_pipeline_health_subscriptions.sql.
ALTER TABLE pipeline_health ADD COLUMN subscriptions TEXT NOT NULL DEFAULT '[]';
