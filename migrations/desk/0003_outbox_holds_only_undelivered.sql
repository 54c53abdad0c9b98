-- A delivered application leaves the outbox (its status and history say it was delivered), so
-- the outbox stays as small as the backlog: every lookup in it is cheap without an index, and
-- filing writes one page fewer. Append-only.
DROP INDEX outbox_pending;
DELETE FROM outbox WHERE delivered_at IS NOT NULL;
