-- Portal sign-in for people: sessions instead of a password on every request, a lockout by
-- name, and accounts that can be switched off. Append-only.

-- A deactivated user signs in no more, and their sessions are refused at once.
ALTER TABLE portal_user ADD COLUMN active BOOLEAN NOT NULL DEFAULT true;

-- One row per signed-in session. Only the SHA-256 of the token is kept, so a copy of this
-- table holds no token that opens the API. Expiry is on the portal's (the database's) clock:
-- `expires_at` is the absolute end, `last_used_at` plus the configured idle time the other.
CREATE TABLE portal_session (
    token_hash   TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES portal_user (username) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_session_user ON portal_session (username);
CREATE INDEX portal_session_expiry ON portal_session (expires_at);

-- Failed sign-ins by name, shared by every portal process. Keyed by a digest of the
-- normalized name, never the name typed (often a password typed into the wrong field), and
-- for names that exist and names that do not alike.
CREATE TABLE portal_sign_in_failure (
    name_hash   TEXT PRIMARY KEY,
    failures    INTEGER NOT NULL,
    next_try_at TIMESTAMPTZ NOT NULL,
    last_try_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX portal_sign_in_failure_last ON portal_sign_in_failure (last_try_at);
