-- Issue 18: a counter that moves whenever something that places devices in rollout stages changes
-- (a device appears, its project or chip changes, any label changes), and on each device the value
-- it had when that device last changed, so an update check reuses the placement it computed before
-- and reads only the devices that changed since (Rollouts/FleetPlacement).
CREATE TABLE fleet_version (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    version        INTEGER NOT NULL,
    labels_version INTEGER NOT NULL
);
INSERT INTO fleet_version (id, version, labels_version) VALUES (1, 0, 0);
ALTER TABLE devices ADD COLUMN placement_seq INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER devices_placement_insert AFTER INSERT ON devices
BEGIN
    UPDATE fleet_version SET version = version + 1 WHERE id = 1;
    UPDATE devices SET placement_seq = (SELECT version FROM fleet_version WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER devices_placement_update AFTER UPDATE OF project, chip ON devices
WHEN OLD.project IS NOT NEW.project OR OLD.chip IS NOT NEW.chip
BEGIN
    UPDATE fleet_version SET version = version + 1 WHERE id = 1;
    UPDATE devices SET placement_seq = (SELECT version FROM fleet_version WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER device_labels_placement_insert AFTER INSERT ON device_labels
BEGIN
    UPDATE fleet_version SET version = version + 1, labels_version = labels_version + 1 WHERE id = 1;
END;
CREATE TRIGGER device_labels_placement_update AFTER UPDATE ON device_labels
BEGIN
    UPDATE fleet_version SET version = version + 1, labels_version = labels_version + 1 WHERE id = 1;
END;
CREATE TRIGGER device_labels_placement_delete AFTER DELETE ON device_labels
BEGIN
    UPDATE fleet_version SET version = version + 1, labels_version = labels_version + 1 WHERE id = 1;
END;
