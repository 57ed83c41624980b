-- Staged rollouts (src/EspOta.Server/Rollouts): the rollout, the devices it let in, its history;
-- and the operator's labels of a device (group, tags, pinned version).
CREATE TABLE rollouts (
    id                       TEXT PRIMARY KEY,
    name                     TEXT NOT NULL,
    sha256                   TEXT NOT NULL,
    project                  TEXT NOT NULL,
    chip                     TEXT NOT NULL,
    version                  TEXT NOT NULL,
    secure_version           INTEGER NOT NULL,
    target                   TEXT NOT NULL,
    stages                   TEXT NOT NULL,
    gate                     TEXT NOT NULL,
    created_at               TEXT NOT NULL,
    state                    TEXT NOT NULL,
    current_stage            INTEGER NOT NULL,
    stage_started_at         TEXT NOT NULL,
    halt_reason              TEXT,
    failures_acknowledged_at TEXT
);
CREATE TABLE rollout_members (
    rollout_id   TEXT NOT NULL REFERENCES rollouts (id),
    device_id    TEXT NOT NULL,
    stage        INTEGER NOT NULL,
    status       TEXT NOT NULL,
    from_version TEXT,
    reason       TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (rollout_id, device_id)
);
CREATE TABLE rollout_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    rollout_id TEXT NOT NULL REFERENCES rollouts (id),
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX rollout_events_by_rollout ON rollout_events (rollout_id, seq);
CREATE TABLE device_labels (
    device_id      TEXT PRIMARY KEY,
    group_name     TEXT,
    tags           TEXT NOT NULL,
    pinned_version TEXT,
    updated_at     TEXT NOT NULL
);
