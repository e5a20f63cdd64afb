-- PostgreSQL twin of migrations/20261202000001_audit_pruning_and_requests.sql.
ALTER TABLE audit_chain ADD COLUMN pruned_rows BIGINT NOT NULL DEFAULT 0;

CREATE INDEX audit_events_by_request ON audit_events (opc_request_id) WHERE opc_request_id IS NOT NULL;
