-- Signing policy (the same tables as sqlite/0200_signing.sql): the trusted Secure Boot v2 public-key
-- digests of each project (a project with none has no policy), and which keys' signature blocks
-- verified over each uploaded image.
CREATE TABLE signing_keys (
    project    TEXT NOT NULL,
    key_digest TEXT NOT NULL,
    label      TEXT,
    added_at   TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    PRIMARY KEY (project, key_digest)
);
CREATE TABLE firmware_signers (
    sha256     TEXT NOT NULL,
    key_digest TEXT NOT NULL,
    PRIMARY KEY (sha256, key_digest)
);
