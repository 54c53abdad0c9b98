-- Scans attached to applications. They live inside the encrypted database (SQLCipher's
-- stock provider, the same key, rotated with it, in every backup), keyed by the SHA-256 of
-- the stored bytes, so a file attached twice is stored once. See docs/architecture.md.

CREATE TABLE document_blob (
    sha256      TEXT PRIMARY KEY,
    format      TEXT NOT NULL CHECK (format IN ('image', 'pdf')),
    media_type  TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    -- A small JPEG for the screens (images only).
    thumbnail   BLOB,
    width       INTEGER,
    height      INTEGER,
    stored_at   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The file as it arrived (before normalizing) → what was stored of it: the same file
-- attached again is neither normalized nor stored again.
CREATE TABLE document_source (
    original_sha256 TEXT PRIMARY KEY,
    original_size   INTEGER NOT NULL,
    sha256          TEXT NOT NULL REFERENCES document_blob (sha256)
) STRICT, WITHOUT ROWID;

CREATE TABLE application_document (
    id              INTEGER PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id),
    requirement_key TEXT NOT NULL,
    sha256          TEXT NOT NULL REFERENCES document_blob (sha256),
    original_size   INTEGER NOT NULL,
    attached_at     TEXT NOT NULL,
    attached_by     INTEGER NOT NULL REFERENCES staff (id),
    UNIQUE (application_id, requirement_key, sha256)
) STRICT;

CREATE INDEX application_document_blob ON application_document (sha256);
