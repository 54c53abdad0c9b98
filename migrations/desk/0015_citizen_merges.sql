-- Two records of one person merged by a supervisor: the merged record's row is gone (its
-- applications and drafts now point at the survivor), and this keeps what it said, for the
-- record and for the portal, which hears of the merge with the next push. Append-only.
CREATE TABLE citizen_merge (
    id           TEXT PRIMARY KEY,
    survivor_id  INTEGER NOT NULL REFERENCES citizen (id),
    merged_id    INTEGER NOT NULL,
    -- Both records as the portal knows citizens (ariza_core::wire::WireCitizen, JSON), and
    -- the merged one whole (ariza_core::citizen::Citizen, JSON).
    survivor     TEXT NOT NULL,
    merged       TEXT NOT NULL,
    merged_whole TEXT NOT NULL,
    -- The applications that moved: a JSON array of their ids.
    applications TEXT NOT NULL,
    reason       TEXT NOT NULL,
    merged_by    INTEGER NOT NULL REFERENCES staff (id),
    merged_at    TEXT NOT NULL,
    delivered_at TEXT
) STRICT;

CREATE INDEX citizen_merge_undelivered ON citizen_merge (merged_at) WHERE delivered_at IS NULL;
