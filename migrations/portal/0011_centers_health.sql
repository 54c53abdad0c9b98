-- Centers' health (the operators' page): when each device was last heard from, what it last
-- delivered, and how many applications it said were still waiting. Append-only.

-- The last authenticated request, written at most once a minute per device.
ALTER TABLE device ADD COLUMN last_seen_at TIMESTAMPTZ;
-- The last push (or USB bundle) that stored something new, and how many applications.
ALTER TABLE device ADD COLUMN last_delivered_at TIMESTAMPTZ;
ALTER TABLE device ADD COLUMN last_delivered_count INTEGER;
-- What the desk reported still waiting in its outbox after its last push, and when.
ALTER TABLE device ADD COLUMN reported_backlog INTEGER;
ALTER TABLE device ADD COLUMN backlog_reported_at TIMESTAMPTZ;
