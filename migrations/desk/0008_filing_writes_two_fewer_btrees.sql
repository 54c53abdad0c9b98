-- Encryption costs a filing per page it writes (SQLCipher encrypts and authenticates each
-- page on its own), so filing stops writing two b-trees that only repeated the application
-- row. Append-only.
--
-- 1. The day's tracking sequence: the unique index on tracking_number already holds the
--    device's highest number for the day, and filing reads it there.
DROP TABLE tracking_sequence;
--
-- 2. The 'filed' history entry: the application row says when (filed_at) and by whom
--    (clerk_id), and the history is read with that entry made from it. Only entries that say
--    exactly what the row says are removed, so nothing in the history changes.
DELETE FROM application_history
 WHERE event = 'status' AND from_status = 'draft' AND to_status = 'filed'
   AND EXISTS (SELECT 1 FROM application a
                WHERE a.id = application_history.application_id
                  AND a.filed_at = application_history.at
                  AND a.clerk_id = application_history.staff_id);
