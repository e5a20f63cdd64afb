-- Retention pruning, and pairing with the cloud's own audit events.
--
-- Pruning: how many rows the pruned part of the chain held, so positions (and the
-- checkpoints in the log, which count rows from the first one ever written) keep their meaning
-- after the oldest rows are removed.
ALTER TABLE audit_chain ADD COLUMN pruned_rows INTEGER NOT NULL DEFAULT 0;

-- The cloud's own audit events are paired with Signalbox's rows by OCI's request id.
CREATE INDEX audit_events_by_request ON audit_events (opc_request_id) WHERE opc_request_id IS NOT NULL;
