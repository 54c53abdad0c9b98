-- The supervisor's actions and the clerk's drafts. Append-only.

-- History records more than status changes: reassignments, applications sent back to a clerk
-- with a note (and the clerk's answer), decisions handed over, deliveries retried and
-- corrections filed anew. For those, from_status = to_status = the status at the time, so
-- everything that reads status changes must filter on event = 'status'.
ALTER TABLE application_history ADD COLUMN event TEXT NOT NULL DEFAULT 'status';
ALTER TABLE application_history ADD COLUMN detail TEXT;

-- Who handles the application now, when a supervisor reassigned it; the clerk who took it in
-- person (clerk_id, part of what the portal received) never changes.
ALTER TABLE application ADD COLUMN assignee_id INTEGER REFERENCES staff (id);
-- A supervisor sent it back to the clerk with a note; cleared when the clerk has dealt with it.
ALTER TABLE application ADD COLUMN sent_back_note TEXT;
ALTER TABLE application ADD COLUMN sent_back_at TEXT;
-- The application this one corrects and replaces (the old one is cancelled in the same
-- transaction). A new id keeps delivery exactly-once: the portal never sees one id twice
-- with different content.
ALTER TABLE application ADD COLUMN replaces TEXT REFERENCES application (id);

-- Applications started and not yet filed. Nothing here is delivered.
CREATE TABLE draft (
    id           TEXT PRIMARY KEY,
    clerk_id     INTEGER NOT NULL REFERENCES staff (id),
    citizen_id   INTEGER REFERENCES citizen (id),
    service_code TEXT,
    form         TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE INDEX draft_by_clerk ON draft (clerk_id, updated_at);
