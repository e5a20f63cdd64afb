-- PostgreSQL twin of migrations/20261212000001_run_leases.sql.
-- An apply run is held by the instance running it, which renews the lease while it runs. A run
-- whose lease expired (its instance died) is taken over by another instance on a shared
-- PostgreSQL database, and marked interrupted at the next start of a single SQLite instance.
ALTER TABLE apply_runs ADD COLUMN lease_holder TEXT;
ALTER TABLE apply_runs ADD COLUMN lease_expires_at TEXT;
