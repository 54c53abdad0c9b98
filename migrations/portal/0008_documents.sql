-- Documents: the scans an application refers to, each arriving in the documents lane as a
-- resumable upload (tus 1.0: core, creation, checksum; docs/sync.md, "Documents"), assembled
-- and checked against its SHA-256, then stored once however many applications refer to it.

CREATE TABLE document (
    sha256      TEXT PRIMARY KEY,
    media_type  TEXT NOT NULL,
    bytes       BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per reference (from the application's record, or declared by its upload for a
-- document that followed); its id is the upload's, in the upload's address.
CREATE TABLE application_document (
    id              UUID PRIMARY KEY,
    application_id  UUID NOT NULL REFERENCES application (id),
    requirement_key TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    size            BIGINT NOT NULL CHECK (size > 0),
    media_type      TEXT NOT NULL,
    -- How much of the upload the portal holds (every chunk checked).
    received        BIGINT NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= size),
    arrived_at      TIMESTAMPTZ,
    UNIQUE (application_id, requirement_key, sha256)
);

CREATE INDEX application_document_pending ON application_document (application_id)
    WHERE arrived_at IS NULL;

-- The chunks of an upload under way, until it is whole.
CREATE TABLE upload_chunk (
    upload_id UUID NOT NULL REFERENCES application_document (id) ON DELETE CASCADE,
    "offset"  BIGINT NOT NULL,
    bytes     BYTEA NOT NULL,
    PRIMARY KEY (upload_id, "offset")
);

-- Every referred document has arrived, and the service's required ones are referred to
-- (false for an application filed with documents to follow until they come). NULL for what
-- arrived before documents existed: nobody can say.
ALTER TABLE application ADD COLUMN documents_complete BOOLEAN;
