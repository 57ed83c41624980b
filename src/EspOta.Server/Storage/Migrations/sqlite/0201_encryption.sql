-- Issue 11: a project's esp_encrypted_img public key, and which stored images are encrypted.
-- An image row lives in firmware as always (sha256 = the stored, served bytes: the encrypted file);
-- encrypted_firmware adds what only the plaintext could tell. Separate tables, so that other
-- features that extend firmware do not touch the same statements.
CREATE TABLE project_encryption_keys (
    project         TEXT PRIMARY KEY,
    scheme          TEXT NOT NULL,
    public_key_pem  TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    set_at          TEXT NOT NULL
);
CREATE TABLE encrypted_firmware (
    sha256           TEXT PRIMARY KEY,
    image_sha256     TEXT NOT NULL,
    image_size       INTEGER NOT NULL,
    scheme           TEXT NOT NULL,
    key_fingerprint  TEXT NOT NULL
);
