-- Citizen records merged on a desk (ariza_core::wire::CitizenMerge), each recorded once by
-- its id; the applications it moved, by id, so a redelivered application can be matched to
-- what was first received (ops::citizen_merges). Append-only.
CREATE TABLE citizen_merge (
    id          UUID PRIMARY KEY,
    seq         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    device_id   UUID NOT NULL REFERENCES device (id),
    center_code TEXT NOT NULL REFERENCES center (code),
    body        JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX citizen_merge_device ON citizen_merge (device_id, received_at);

CREATE TABLE citizen_merge_application (
    application_id UUID NOT NULL,
    merge_id       UUID NOT NULL REFERENCES citizen_merge (id),
    PRIMARY KEY (application_id, merge_id)
);
