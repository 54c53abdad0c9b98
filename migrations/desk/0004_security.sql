-- Security: the hash-chained audit trail and sign-in throttling. Append-only.

-- Every change and every opening of a citizen's record. Rows are never updated; `ariza audit
-- verify` recomputes the chain. What the portal has is one watermark in sync_state
-- ('audit_delivered_seq'), not a column: no index to write on every filing.
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;

-- Failed sign-ins per username: a growing delay, then a temporary lockout.
CREATE TABLE sign_in_failures (
    username     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    next_try_at  TEXT NOT NULL
) STRICT;

-- The bearer token of issue 3 is replaced by the device's Ed25519 key: requests are signed.
DELETE FROM sync_state WHERE key = 'device_token';
