-- The audit trail's full-text indexes are merged in the background once enough rows arrived
-- (server/src/db/audit_search.rs); this is the last row id the previous merge covered.
ALTER TABLE audit_chain ADD COLUMN search_merged_through INTEGER NOT NULL DEFAULT 0;
