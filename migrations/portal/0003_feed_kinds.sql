-- The change feed carries catalog versions and staff changes too. Append-only.
ALTER TABLE change ADD COLUMN kind TEXT NOT NULL DEFAULT 'decision' CHECK (kind IN ('decision', 'catalog', 'staff'));
ALTER TABLE change ADD COLUMN payload JSONB;
ALTER TABLE change ALTER COLUMN application_id DROP NOT NULL;
ALTER TABLE change ALTER COLUMN status DROP NOT NULL;

CREATE TABLE catalog_version (
    version      INTEGER PRIMARY KEY,
    body         JSONB NOT NULL,
    published_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE center_staff (
    center_code   TEXT NOT NULL REFERENCES center (code),
    username      TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    active        BOOLEAN NOT NULL DEFAULT true,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (center_code, username)
);
