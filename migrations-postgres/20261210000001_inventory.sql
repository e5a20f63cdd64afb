-- PostgreSQL twin of migrations/20261210000001_inventory.sql.
CREATE TABLE inventory_syncs (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    compartment_id TEXT NOT NULL,
    synced_at TEXT,
    failed_at TEXT,
    error TEXT,
    fed_at TEXT,
    viewed_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, compartment_id)
);

CREATE TABLE inventory_items (
    connection_id BIGINT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('rule', 'topic', 'subscription', 'function', 'compartment')),
    -- Keyset pages order by these: byte order, as SQLite's BINARY, whatever the database's locale.
    id TEXT COLLATE "C" NOT NULL,
    compartment_id TEXT NOT NULL,
    sort_name TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    state TEXT NOT NULL,
    enabled BIGINT,
    parent_id TEXT,
    search TEXT NOT NULL DEFAULT '',
    targets TEXT,
    body TEXT NOT NULL,
    actions TEXT,
    read_at BIGINT NOT NULL,
    gone BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (connection_id, kind, id)
);

CREATE INDEX inventory_items_by_name ON inventory_items (connection_id, kind, compartment_id, sort_name, id);
CREATE INDEX inventory_items_by_created ON inventory_items (connection_id, kind, compartment_id, created_at, id);
CREATE INDEX inventory_items_by_parent ON inventory_items (connection_id, kind, parent_id);
