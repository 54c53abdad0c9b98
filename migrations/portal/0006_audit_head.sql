-- The head of each desk's audit chain the portal acknowledged, with the device's signature
-- over it (ariza_core::audit::head_signing_input), and the alerts raised when a desk's chain
-- no longer extends it. Append-only.

CREATE TABLE desk_audit_head (
    device_id  UUID PRIMARY KEY REFERENCES device (id),
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL,
    -- Ed25519, hex; NULL for heads delivered in format 1, which had no signature.
    signature  TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per device and situation (reason and acknowledged head), however often the desk
-- pushes the same refused chain.
CREATE TABLE desk_audit_alert (
    device_id    UUID NOT NULL REFERENCES device (id),
    reason       TEXT NOT NULL,
    acked_seq    BIGINT NOT NULL,
    desk_seq     BIGINT NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen    TIMESTAMPTZ NOT NULL DEFAULT now(),
    times        INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (device_id, reason, acked_seq)
);
