-- At most one unfinished (running or interrupted) run per deployment, enforced by the database:
-- two applies of one deployment sent at once both passed the handler's check, which ran outside
-- the transaction that inserts the run. Now the second insert is a unique violation (409).
CREATE UNIQUE INDEX apply_runs_one_unfinished ON apply_runs (deployment_id)
    WHERE state IN ('running', 'interrupted');
