-- The inventory (issue 21): what Signalbox last read from OCI, per connection and compartment,
-- so pages render from SQLite instead of waiting on OCI. A cache with honest freshness, never a
-- second source of truth: every row carries when it was read, and every compartment when it was
-- last synced and why its last sync failed, if it did.

-- One row per compartment a page has looked at through a connection (compartment_id '' is the
-- connection's compartment tree itself).
CREATE TABLE inventory_syncs (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    compartment_id TEXT NOT NULL,
    -- When the last successful sync started reading: its data is at least this fresh.
    synced_at TEXT,
    -- When the last attempt failed, and why (both NULL once a sync succeeds again).
    failed_at TEXT,
    error TEXT,
    -- When the change feed (OCI's audit log) was last read up to: the next read starts there.
    fed_at TEXT,
    -- When a page last read it: compartments nobody looks at stop being synced.
    viewed_at TEXT NOT NULL,
    PRIMARY KEY (connection_id, compartment_id)
) STRICT;

-- Rules, topics, subscriptions, functions and compartments as read. `body` is the API's JSON for
-- the resource; the other columns are what lists filter, sort and page on.
CREATE TABLE inventory_items (
    connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('rule', 'topic', 'subscription', 'function', 'compartment')),
    id TEXT NOT NULL,
    -- The compartment it lives in (for a compartment: its parent).
    compartment_id TEXT NOT NULL,
    -- Lower-cased name, the default sort.
    sort_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Rules only: 1 enabled, 0 disabled.
    enabled INTEGER,
    -- A subscription's topic.
    parent_id TEXT,
    -- Lower-cased text the `q` filter looks in.
    search TEXT NOT NULL DEFAULT '',
    -- Rules only: ' ONS FAAS ocid1.onstopic… ' (action kinds and targets), NULL until read.
    targets TEXT,
    body TEXT NOT NULL,
    -- Rules only: the actions' JSON, NULL until read (OCI's rule list does not carry them).
    actions TEXT,
    -- Unix milliseconds of the read this row comes from: an older read never overwrites a newer.
    read_at INTEGER NOT NULL,
    -- 1 once a write-through saw it deleted, so a sync that listed it before cannot bring it back.
    gone INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (connection_id, kind, id)
) STRICT;

CREATE INDEX inventory_items_by_name ON inventory_items (connection_id, kind, compartment_id, sort_name, id);
CREATE INDEX inventory_items_by_created ON inventory_items (connection_id, kind, compartment_id, created_at, id);
CREATE INDEX inventory_items_by_parent ON inventory_items (connection_id, kind, parent_id);
