-- PostgreSQL twin of migrations/20261207000001_one_unfinished_run.sql.
CREATE UNIQUE INDEX apply_runs_one_unfinished ON apply_runs (deployment_id)
    WHERE state IN ('running', 'interrupted');
