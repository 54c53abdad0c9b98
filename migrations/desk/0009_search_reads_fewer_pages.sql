-- Name search reads the FTS index's leaves, and each page it reads from the encrypted file is
-- decrypted and authenticated on its own. FTS5 writes leaves of about 4 KB by default; with the
-- desk's 1 KiB database pages every leaf was a chain of five pages. Leaves of at most 800 bytes
-- fit in one page (976 usable bytes after SQLCipher's IV and HMAC), so a term is one page
-- read. The index is rebuilt from the citizen table once. Append-only.
INSERT INTO citizen_name (citizen_name, rank) VALUES ('pgsz', 800);
INSERT INTO citizen_name (citizen_name) VALUES ('rebuild');
