-- PostgreSQL twin of migrations/20261217000001_pipeline_health_region.sql.
ALTER TABLE pipeline_health ADD COLUMN region TEXT NOT NULL DEFAULT '';
DROP INDEX pipeline_health_by_compartment;
CREATE INDEX pipeline_health_by_compartment ON pipeline_health (connection_id, region, compartment_id);
