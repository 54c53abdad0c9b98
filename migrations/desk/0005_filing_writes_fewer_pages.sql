-- Every page a filing writes is encrypted and authenticated on its own (SQLCipher), so each
-- index on `application` costs the clerk time on every filing. Nothing reads applications by
-- citizen through this index (and citizens are never deleted, so foreign-key checks do not
-- need it). Append-only.
DROP INDEX application_citizen;
