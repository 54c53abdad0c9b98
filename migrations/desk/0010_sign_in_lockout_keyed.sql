-- The sign-in lockout now keeps a keyed hash of the typed name instead of the name itself
-- (a password typed into the name field must not sit in the database). Rows written before
-- hold typed text verbatim: drop them; at worst a name mid-lockout may try again at once.
DELETE FROM sign_in_failures;
