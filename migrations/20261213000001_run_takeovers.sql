-- When another instance last took a run over (its instance had stopped renewing the lease), so
-- the run's page can say that it was resumed elsewhere and when.
ALTER TABLE apply_runs ADD COLUMN taken_over_at TEXT;
