-- Issue 16 (see sqlite/0002_device_hardening.sql).
ALTER TABLE devices ADD COLUMN state_seq BIGINT;
ALTER TABLE devices ADD COLUMN offered_sha256 TEXT;
UPDATE devices SET state_seq = (SELECT MAX(seq) FROM device_events e WHERE e.device_id = devices.id), reason = NULL;
CREATE TABLE device_rejections (
    device_id  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (device_id, sha256)
);
INSERT INTO device_rejections (device_id, sha256)
    SELECT DISTINCT device_id, lower(sha256) FROM device_events WHERE kind = 'rolled_back' AND sha256 IS NOT NULL
    ON CONFLICT DO NOTHING;
CREATE TABLE device_tokens (
    device_id     TEXT PRIMARY KEY,
    token_sha256  TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL
);
