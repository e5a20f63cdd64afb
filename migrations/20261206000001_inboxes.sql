-- Webhook inboxes: each has an unguessable URL (/hooks/{token}) that accepts ONS deliveries, and
-- keeps what arrived (bounded per inbox, see server/src/db/deliveries.rs).
CREATE TABLE inboxes (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The URL's secret part. Kept readable: the console shows the URL so it can be subscribed.
    token TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (team_id, name)
) STRICT;

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    inbox_id INTEGER NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- X-OCI-NS-MessageType: 'confirmation', 'notification', or 'other' (not from ONS).
    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'notification', 'other')),
    message_id TEXT,
    topic_id TEXT,
    topic_name TEXT,
    subscription_id TEXT,
    content_type TEXT,
    -- The request's headers, a JSON object (name -> value).
    headers TEXT NOT NULL,
    -- The body as text (invalid UTF-8 replaced), and its size in bytes as received.
    body TEXT NOT NULL,
    body_bytes INTEGER NOT NULL,
    -- For confirmations: what following the confirmation URL gave.
    confirmation TEXT
) STRICT;

CREATE INDEX deliveries_by_inbox ON deliveries (inbox_id, id);
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id, id) WHERE subscription_id IS NOT NULL;
