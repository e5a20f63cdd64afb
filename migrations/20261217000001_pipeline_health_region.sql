-- A pipeline's region: '' for the connection's own region, else the region id of a fan-out target
-- elsewhere. The same compartment has other rules in every region, so a check replaces only the
-- rows of its own region.
ALTER TABLE pipeline_health ADD COLUMN region TEXT NOT NULL DEFAULT '';
DROP INDEX pipeline_health_by_compartment;
CREATE INDEX pipeline_health_by_compartment ON pipeline_health (connection_id, region, compartment_id);
