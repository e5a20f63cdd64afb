-- The team the console opens in for this user: the last one they chose with the team switcher.
-- Leaving or deleting the team forgets it (the console then opens in the user's first team).
ALTER TABLE users ADD COLUMN preferred_team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL;
