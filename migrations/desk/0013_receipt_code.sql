-- The receipt's verification code (ariza_core::receipt_code): with the tracking number it
-- opens the portal's status page. Applications filed before it have none. Append-only.
ALTER TABLE application ADD COLUMN receipt_code TEXT;
