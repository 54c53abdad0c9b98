-- USB bundles (docs/sync.md, "By USB"): the portal's keys, each device's key for the
-- bundles it is sent, how far each device read the feed, and the bundles imported.

-- The portal's bundle keys. The newest not retired is current: desks encrypt to its
-- recipient and check the portal's bundles against its signing key. A retired key still
-- opens bundles written before the rotation until it is forgotten (deleted).
CREATE TABLE bundle_key (
    id               SERIAL PRIMARY KEY,
    reader_secret    TEXT NOT NULL,
    reader_recipient TEXT NOT NULL UNIQUE,
    signing_secret   TEXT NOT NULL,
    signing_public   TEXT NOT NULL UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at       TIMESTAMPTZ
);

-- The device's age recipient (sent at enrollment).
ALTER TABLE device ADD COLUMN bundle_recipient TEXT;
-- The feed cursor the device last acknowledged (the `after` it asked with).
ALTER TABLE device ADD COLUMN feed_cursor BIGINT NOT NULL DEFAULT 0;

CREATE TABLE bundle_import (
    id          UUID PRIMARY KEY,
    device_id   UUID NOT NULL REFERENCES device (id),
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    summary     TEXT NOT NULL
);
