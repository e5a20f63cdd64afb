-- Compound words of the audit trail, for search.
--
-- The full-text index (audit_search) splits `shard-777`, `orders-alerts-14708` or
-- `com.oraclecloud.computeapi.launchinstance.end` into their parts, so searching for one is a
-- phrase query: for every row holding the rarer part, SQLite reads where the commoner part
-- (`shard`, `alerts`, `com`) sits in that row. When the commoner part is in nearly every row,
-- that costs more than the whole search should. This index holds each compound as one word,
-- with the suffixes that start after a joiner (`alerts-14708` of `orders-alerts-14708`), so such
-- a search is one prefix lookup. The words are computed by the server (server/src/db/audit_words.rs)
-- as it writes each row; the table stores no text of its own.
CREATE VIRTUAL TABLE audit_words USING fts5(
    words,
    content = '', contentless_delete = 1,
    tokenize = "unicode61 tokenchars '-_.@'"
);

-- Rows written before this index existed get their words when the server next starts, newest
-- first; this is the highest id still to do (0 when none is).
ALTER TABLE audit_chain ADD COLUMN words_backlog INTEGER NOT NULL DEFAULT 0;
UPDATE audit_chain SET words_backlog = (SELECT coalesce(max(id), 0) FROM audit_events);
