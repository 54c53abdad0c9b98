-- Order and deadlines come from the portal's clock, never a desk's: a total receive order and
-- the decision deadline counted from the receive date. Append-only.
ALTER TABLE application ADD COLUMN receive_seq BIGSERIAL;
ALTER TABLE application ADD COLUMN due_date DATE;
CREATE INDEX application_receive_order ON application (receive_seq);
