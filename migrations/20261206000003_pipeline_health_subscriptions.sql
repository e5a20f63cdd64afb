-- The subscriptions each pipeline's topics had at the last check (JSON: topic, id, protocol, and
-- endpoint with its password replaced by ****), so the next check can name one that disappeared:
-- OCI stops listing a deleted subscription, and "no ACTIVE subscription" alone does not say why.
ALTER TABLE pipeline_health ADD COLUMN subscriptions TEXT NOT NULL DEFAULT '[]';
