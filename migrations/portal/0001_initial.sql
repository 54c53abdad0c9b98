-- Ariza Portal: the first schema. Append-only: never edit this file once released.

CREATE TABLE center (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    district   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE device (
    id            UUID PRIMARY KEY,
    center_code   TEXT NOT NULL REFERENCES center (code),
    device_number INTEGER NOT NULL,
    name          TEXT NOT NULL,
    token_sha256  TEXT NOT NULL UNIQUE,
    enrolled_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ,
    UNIQUE (center_code, device_number)
);

-- One-time codes; only their hashes are kept.
CREATE TABLE enroll_code (
    code_sha256 TEXT PRIMARY KEY,
    center_code TEXT NOT NULL REFERENCES center (code),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    device_id   UUID REFERENCES device (id)
);

CREATE TABLE application (
    id              UUID PRIMARY KEY,
    center_code     TEXT NOT NULL REFERENCES center (code),
    device_id       UUID REFERENCES device (id),
    tracking_number TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL CHECK (channel IN ('in_person', 'online')),
    service_code    TEXT NOT NULL,
    status          TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    body            JSONB NOT NULL,
    filed_at_desk   TIMESTAMPTZ NOT NULL,
    -- The portal's clock: what order and deadlines are counted from.
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX application_center ON application (center_code, received_at);

-- The same id sent again with different content: kept for people to resolve, never applied.
CREATE TABLE conflict (
    id             BIGSERIAL PRIMARY KEY,
    application_id UUID NOT NULL,
    device_id      UUID REFERENCES device (id),
    content_sha256 TEXT NOT NULL,
    body           JSONB NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Status changes made on the portal, the feed each center reads from its cursor.
CREATE TABLE change (
    seq            BIGSERIAL PRIMARY KEY,
    center_code    TEXT NOT NULL REFERENCES center (code),
    application_id UUID NOT NULL REFERENCES application (id),
    status         TEXT NOT NULL,
    reason         TEXT,
    actor          TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX change_feed ON change (center_code, seq);

CREATE TABLE portal_user (
    username      TEXT PRIMARY KEY,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'agency')),
    agency        TEXT,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
