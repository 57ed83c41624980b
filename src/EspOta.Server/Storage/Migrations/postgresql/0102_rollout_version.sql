-- Issue 18: the same counters as sqlite/0102_rollout_version.sql. As with fleet_version, the counter
-- row's lock orders the changes (every writer of rollouts and members also holds the rollouts
-- advisory lock), so "member_seq > what I read last" never skips a member.
CREATE TABLE rollout_version (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    rollouts_version BIGINT NOT NULL,
    members_version  BIGINT NOT NULL
);
INSERT INTO rollout_version (id, rollouts_version, members_version) VALUES (1, 0, 0);
ALTER TABLE rollout_members ADD COLUMN member_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX rollout_members_by_seq ON rollout_members (member_seq);
CREATE FUNCTION rollouts_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rollout_version SET rollouts_version = rollouts_version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER rollouts_version AFTER INSERT OR UPDATE ON rollouts
    FOR EACH STATEMENT EXECUTE FUNCTION rollouts_version();
CREATE FUNCTION rollout_members_seq() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next BIGINT;
BEGIN
    UPDATE rollout_version SET members_version = members_version + 1 WHERE id = 1 RETURNING members_version INTO next;
    UPDATE rollout_members SET member_seq = next WHERE rollout_id = NEW.rollout_id AND device_id = NEW.device_id;
    RETURN NULL;
END
$$;
-- AFTER, not BEFORE INSERT: with ON CONFLICT the BEFORE INSERT trigger would fire for rows not inserted.
CREATE TRIGGER rollout_members_seq_insert AFTER INSERT ON rollout_members
    FOR EACH ROW EXECUTE FUNCTION rollout_members_seq();
-- OF the columns a report changes, not member_seq: the function's own UPDATE must not fire it again.
CREATE TRIGGER rollout_members_seq_update AFTER UPDATE OF stage, status, from_version, reason, updated_at ON rollout_members
    FOR EACH ROW EXECUTE FUNCTION rollout_members_seq();
