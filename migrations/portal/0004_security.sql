-- Security: signed device requests, replay protection, tamper-evident audit. Append-only.

-- Devices authenticate with an Ed25519 key made at enrollment; bearer tokens are retired.
ALTER TABLE device ADD COLUMN public_key TEXT;
ALTER TABLE device ALTER COLUMN token_sha256 DROP NOT NULL;
UPDATE device SET revoked_at = now() WHERE public_key IS NULL AND revoked_at IS NULL;

-- Nonces seen within the allowed clock skew: a replayed request is refused.
CREATE TABLE device_nonce (
    device_id UUID NOT NULL REFERENCES device (id),
    nonce     TEXT NOT NULL,
    seen_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonce_seen ON device_nonce (seen_at);

-- The portal's own audit trail, hash-chained (see ariza_core::audit).
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- Each desk's audit trail as delivered, one chain per device.
CREATE TABLE desk_audit (
    device_id   UUID NOT NULL REFERENCES device (id),
    seq         BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, seq)
);
