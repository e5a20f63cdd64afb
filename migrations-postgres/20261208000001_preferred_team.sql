-- PostgreSQL twin of migrations/20261208000001_preferred_team.sql.
ALTER TABLE users ADD COLUMN preferred_team_id BIGINT REFERENCES teams (id) ON DELETE SET NULL;
