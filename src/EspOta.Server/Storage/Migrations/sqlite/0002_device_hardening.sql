-- Issue 16: a reason is stored once (in its event; the device row points at its state event),
-- rollbacks that count are kept apart from the history (so trimming never unblocks an image),
-- the last offer per device (a rollback counts only after one), and enrolment tokens.
ALTER TABLE devices ADD COLUMN state_seq INTEGER;
ALTER TABLE devices ADD COLUMN offered_sha256 TEXT;
UPDATE devices SET state_seq = (SELECT MAX(seq) FROM device_events e WHERE e.device_id = devices.id), reason = NULL;
CREATE TABLE device_rejections (
    device_id  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (device_id, sha256)
);
INSERT OR IGNORE INTO device_rejections (device_id, sha256)
    SELECT device_id, lower(sha256) FROM device_events WHERE kind = 'rolled_back' AND sha256 IS NOT NULL;
CREATE TABLE device_tokens (
    device_id     TEXT PRIMARY KEY,
    token_sha256  TEXT NOT NULL,
    issued_at     TEXT NOT NULL
);
