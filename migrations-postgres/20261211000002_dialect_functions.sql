-- SQLite's functions that the queries call, for the forms they call them in, so one query text
-- serves both backends. Anything else is refused loudly rather than answered differently.

-- strftime('%Y-%m-%dT%H:%M:%fZ', 'now' [, '-1 minute']): the stored time format (see
-- signalbox_now), now or shifted by a modifier PostgreSQL reads as an interval.
CREATE FUNCTION strftime(format TEXT, at TEXT, modifier TEXT DEFAULT NULL) RETURNS TEXT
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF format <> '%Y-%m-%dT%H:%M:%fZ' OR at <> 'now' THEN
        RAISE EXCEPTION 'strftime(%, %) is not one of the forms Signalbox defines', format, at;
    END IF;
    RETURN to_char((now() + COALESCE(modifier, '0 seconds')::INTERVAL) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
END
$$;

-- instr(haystack, needle): the 1-based position of needle, 0 when absent.
CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER LANGUAGE sql IMMUTABLE
    RETURN strpos(haystack, needle);

-- json_extract(document, '$.key.key'): the text at an object path, NULL when absent (SQLite's
-- answer for strings; the queries read no other kind of value through it).
CREATE FUNCTION json_extract(document TEXT, path TEXT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF path !~ '^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$' THEN
        RAISE EXCEPTION 'json_extract path % is not one of the forms Signalbox defines', path;
    END IF;
    RETURN document::jsonb #>> string_to_array(substr(path, 3), '.');
END
$$;
