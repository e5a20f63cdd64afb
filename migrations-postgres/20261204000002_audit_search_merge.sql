-- PostgreSQL twin of migrations/20261204000002_audit_search_merge.sql. PostgreSQL's GIN indexes
-- need no merging; the column is kept so both schemas hold the same audit_chain.
ALTER TABLE audit_chain ADD COLUMN search_merged_through BIGINT NOT NULL DEFAULT 0;
