-- Issue 18: counters for the rollouts kept between update checks (Rollouts/FleetPlacement), like
-- 0101_fleet_version for devices. rollouts_version moves whenever a rollout row appears or changes
-- (state, stage, ...); members_version whenever a member row appears or its status changes, and the
-- member row keeps the value it moved to, so a check reads back only the members changed since.
CREATE TABLE rollout_version (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    rollouts_version INTEGER NOT NULL,
    members_version  INTEGER NOT NULL
);
INSERT INTO rollout_version (id, rollouts_version, members_version) VALUES (1, 0, 0);
ALTER TABLE rollout_members ADD COLUMN member_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX rollout_members_by_seq ON rollout_members (member_seq);
CREATE TRIGGER rollouts_version_insert AFTER INSERT ON rollouts
BEGIN
    UPDATE rollout_version SET rollouts_version = rollouts_version + 1 WHERE id = 1;
END;
CREATE TRIGGER rollouts_version_update AFTER UPDATE ON rollouts
BEGIN
    UPDATE rollout_version SET rollouts_version = rollouts_version + 1 WHERE id = 1;
END;
CREATE TRIGGER rollout_members_seq_insert AFTER INSERT ON rollout_members
BEGIN
    UPDATE rollout_version SET members_version = members_version + 1 WHERE id = 1;
    UPDATE rollout_members SET member_seq = (SELECT members_version FROM rollout_version WHERE id = 1)
    WHERE rollout_id = NEW.rollout_id AND device_id = NEW.device_id;
END;
-- OF the columns a report changes, not member_seq: the trigger's own UPDATE must not fire it again.
CREATE TRIGGER rollout_members_seq_update AFTER UPDATE OF stage, status, from_version, reason, updated_at ON rollout_members
BEGIN
    UPDATE rollout_version SET members_version = members_version + 1 WHERE id = 1;
    UPDATE rollout_members SET member_seq = (SELECT members_version FROM rollout_version WHERE id = 1)
    WHERE rollout_id = NEW.rollout_id AND device_id = NEW.device_id;
END;
