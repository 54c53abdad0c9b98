-- The language the citizen asked for their receipt in, chosen at filing (a locale tag:
-- uz-Latn, uz-Cyrl, ru, en); NULL for applications from before it, whose receipts are printed
-- in the desk's language. Append-only.
ALTER TABLE application ADD COLUMN receipt_locale TEXT;
