-- A decision handed to the citizen: when, and by whom. Not a status (the decision stands);
-- the supervisor's "to hand over" queue is the decided applications without it. Append-only.
ALTER TABLE application ADD COLUMN handed_over_at TEXT;
ALTER TABLE application ADD COLUMN handed_over_by INTEGER REFERENCES staff (id);
