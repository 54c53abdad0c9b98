-- Delivery to the portal and decisions back. Append-only.

-- The desk's enrollment with the portal and the sync engine's progress, one row each key.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- A record the portal refused stays here, out of the queue, with the portal's reason, until a
-- supervisor corrects it and files it again.
ALTER TABLE outbox ADD COLUMN quarantined_at TEXT;
ALTER TABLE outbox ADD COLUMN quarantine_code TEXT;
ALTER TABLE outbox ADD COLUMN quarantine_key TEXT;

DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL AND quarantined_at IS NULL;

-- Transitions the portal makes (delivered, decisions) are recorded under this account, which
-- cannot sign in.
INSERT INTO staff (username, full_name, role, password_hash, active, created_at)
VALUES ('portal', 'Ariza Portal', 'clerk', '!', 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
