-- Desk releases published with `ariza-portal release publish`: the signed .deb, as uploaded,
-- one per version and architecture. Desks ask for the newest (GET /api/v1/desk/update/...) and
-- download it; the signature is checked again on the desk before anything is installed.
CREATE TABLE desk_release (
    version      TEXT NOT NULL,
    architecture TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    package      BYTEA NOT NULL,
    signature    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    notes        TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (version, architecture)
);
