-- Issue 18: the same counter as sqlite/0101_fleet_version.sql. The counter row's lock orders the
-- changes: a transaction that moved it is visible before the next one can move it again, so
-- "placement_seq > what I read last" never skips a device.
CREATE TABLE fleet_version (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    version        BIGINT NOT NULL,
    labels_version BIGINT NOT NULL
);
INSERT INTO fleet_version (id, version, labels_version) VALUES (1, 0, 0);
ALTER TABLE devices ADD COLUMN placement_seq BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION devices_placement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next BIGINT;
BEGIN
    UPDATE fleet_version SET version = version + 1 WHERE id = 1 RETURNING version INTO next;
    UPDATE devices SET placement_seq = next WHERE id = NEW.id;
    RETURN NULL;
END
$$;
-- AFTER, not BEFORE INSERT: with ON CONFLICT DO UPDATE a BEFORE INSERT trigger fires for every
-- upsert, and the counter would move on every check.
CREATE TRIGGER devices_placement_insert AFTER INSERT ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_placement();
CREATE TRIGGER devices_placement_update AFTER UPDATE OF project, chip ON devices
    FOR EACH ROW WHEN (OLD.project IS DISTINCT FROM NEW.project OR OLD.chip IS DISTINCT FROM NEW.chip)
    EXECUTE FUNCTION devices_placement();
CREATE FUNCTION device_labels_placement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fleet_version SET version = version + 1, labels_version = labels_version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER device_labels_placement AFTER INSERT OR UPDATE OR DELETE ON device_labels
    FOR EACH STATEMENT EXECUTE FUNCTION device_labels_placement();
