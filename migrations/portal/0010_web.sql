-- The portal on the web. Append-only.

-- The status page's lookup: a digest of the receipt's verification code with its tracking
-- number (ariza_core::receipt_code::digest), never the code. Applications from desks before
-- codes have none and cannot be looked up.
ALTER TABLE application ADD COLUMN receipt_code_sha256 TEXT;

-- An operator with a region sees only that region (SOATO code); without one, the nation.
ALTER TABLE portal_user ADD COLUMN region TEXT;

-- The agency queue by deadline and status.
CREATE INDEX application_service_due ON application (service_code, due_date);

-- An application's decisions, for its page.
CREATE INDEX change_application ON change (application_id) WHERE application_id IS NOT NULL;
