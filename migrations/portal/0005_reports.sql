-- The regional report's roll-up: how many applications each center received each (Tashkent)
-- day by channel, by their current status. Kept current in the same transactions that receive
-- applications and record decisions, so a national quarter sums a few hundred thousand rows
-- instead of millions. Append-only.
CREATE TABLE report_rollup (
    day         DATE NOT NULL,
    center_code TEXT NOT NULL REFERENCES center (code),
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (day, center_code, channel, status)
);

INSERT INTO report_rollup (day, center_code, channel, status, n)
SELECT (received_at AT TIME ZONE 'Asia/Tashkent')::date, center_code, channel, status, count(*)
FROM application
GROUP BY 1, 2, 3, 4;

CREATE INDEX application_received ON application (received_at);
