-- A supervisor's rule per service: applications may be filed before every required
-- document is attached ("documents to follow").
CREATE TABLE service_rule (
    service_code        TEXT PRIMARY KEY,
    documents_to_follow INTEGER NOT NULL CHECK (documents_to_follow IN (0, 1)),
    set_by              INTEGER NOT NULL REFERENCES staff (id),
    set_at              TEXT NOT NULL
) STRICT;

-- Delivery of each attached scan in the documents lane (docs/sync.md, "Documents"): where
-- the portal keeps its upload, how much of it the portal confirmed, and when it had it all.
ALTER TABLE application_document ADD COLUMN upload_location TEXT;
ALTER TABLE application_document ADD COLUMN uploaded_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE application_document ADD COLUMN delivered_at TEXT;

CREATE INDEX application_document_undelivered ON application_document (id)
    WHERE delivered_at IS NULL;
