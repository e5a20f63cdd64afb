-- The functions queries call that SQLite has built in and PostgreSQL lacks are defined by this
-- migration's PostgreSQL twin, so one query text serves both. Nothing to do here.
SELECT 1;
