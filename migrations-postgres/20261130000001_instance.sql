-- PostgreSQL twin of migrations/20261130000001_instance.sql (see migrations-postgres/README.md).
--
-- Times are stored as text in the same form SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes
-- (UTC, milliseconds, a Z), so that one query text compares and orders them on both backends.
CREATE FUNCTION signalbox_now() RETURNS TEXT LANGUAGE sql STABLE
    RETURN to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- SQLite's NOCASE for names: equal and unique whatever their case.
CREATE COLLATION signalbox_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE instance (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    initialized_at TEXT NOT NULL DEFAULT signalbox_now()
);

INSERT INTO instance (id) VALUES (1);
