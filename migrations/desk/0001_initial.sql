-- Ariza Desk: the first schema. Append-only: never edit this file once released; add 0002_….

CREATE TABLE center (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    region        TEXT NOT NULL,
    district      TEXT NOT NULL,
    -- This device's number within its center; part of every tracking number.
    device_number INTEGER NOT NULL DEFAULT 1 CHECK (device_number BETWEEN 1 AND 99),
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    full_name     TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE catalog (
    version     INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    received_at TEXT NOT NULL
) STRICT;

CREATE TABLE citizen (
    id              INTEGER PRIMARY KEY,
    pinfl           TEXT NOT NULL UNIQUE,
    document_kind   TEXT NOT NULL,
    document_number TEXT NOT NULL,
    surname         TEXT NOT NULL,
    given_name      TEXT NOT NULL,
    patronymic      TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    phone           TEXT,
    region          TEXT NOT NULL,
    district        TEXT NOT NULL,
    street          TEXT NOT NULL,
    -- Script-free Latin form of the full name, the text that name search indexes.
    name_key        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES staff (id)
) STRICT;

CREATE INDEX citizen_document ON citizen (document_number);

CREATE VIRTUAL TABLE citizen_name USING fts5 (
    name_key,
    content = 'citizen',
    content_rowid = 'id',
    tokenize = 'unicode61',
    prefix = '2 3 4'
);

CREATE TRIGGER citizen_name_ai AFTER INSERT ON citizen BEGIN
    INSERT INTO citizen_name (rowid, name_key) VALUES (new.id, new.name_key);
END;
CREATE TRIGGER citizen_name_ad AFTER DELETE ON citizen BEGIN
    INSERT INTO citizen_name (citizen_name, rowid, name_key) VALUES ('delete', old.id, old.name_key);
END;
CREATE TRIGGER citizen_name_au AFTER UPDATE OF name_key ON citizen BEGIN
    INSERT INTO citizen_name (citizen_name, rowid, name_key) VALUES ('delete', old.id, old.name_key);
    INSERT INTO citizen_name (rowid, name_key) VALUES (new.id, new.name_key);
END;

CREATE TABLE application (
    id              TEXT PRIMARY KEY,
    tracking_number TEXT NOT NULL UNIQUE,
    service_code    TEXT NOT NULL,
    catalog_version INTEGER NOT NULL,
    citizen_id      INTEGER NOT NULL REFERENCES citizen (id),
    form            TEXT NOT NULL,
    fee_uzs         INTEGER NOT NULL CHECK (fee_uzs >= 0),
    clerk_id        INTEGER NOT NULL REFERENCES staff (id),
    status          TEXT NOT NULL,
    filed_at        TEXT NOT NULL,
    -- The Tashkent calendar day of filing: what "today's applications" means.
    filed_date      TEXT NOT NULL,
    due_date        TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE INDEX application_filed_date ON application (filed_date, status);
CREATE INDEX application_citizen ON application (citizen_id);

CREATE TABLE application_history (
    id             INTEGER PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES application (id),
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    at             TEXT NOT NULL,
    staff_id       INTEGER NOT NULL REFERENCES staff (id),
    reason         TEXT
) STRICT;

CREATE INDEX application_history_by_application ON application_history (application_id, id);

-- Every filed application waits here until the portal acknowledges it.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES application (id),
    enqueued_at    TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    delivered_at   TEXT
) STRICT;

CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;

CREATE TABLE tracking_sequence (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
) STRICT;

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
