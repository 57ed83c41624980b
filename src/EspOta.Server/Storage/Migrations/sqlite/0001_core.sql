-- Firmware, devices and their history. IF NOT EXISTS: databases created before migrations existed
-- already have these tables and adopt this migration as applied.
CREATE TABLE IF NOT EXISTS firmware (
    sha256         TEXT PRIMARY KEY,
    project        TEXT NOT NULL,
    version        TEXT NOT NULL,
    secure_version INTEGER NOT NULL,
    chip           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    idf_version    TEXT NOT NULL,
    uploaded_at    TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    UNIQUE (project, version, chip)
);
CREATE TABLE IF NOT EXISTS devices (
    id              TEXT PRIMARY KEY,
    chip            TEXT,
    project         TEXT,
    version         TEXT,
    secure_version  INTEGER,
    state           TEXT,
    state_version   TEXT,
    state_sha256    TEXT,
    reason          TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    version    TEXT,
    sha256     TEXT,
    reason     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS device_events_by_device ON device_events (device_id, seq);
