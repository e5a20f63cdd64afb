-- One row describing this installation. Later migrations hang instance-wide settings off it.
CREATE TABLE instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    initialized_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

INSERT INTO instance (id) VALUES (1);
