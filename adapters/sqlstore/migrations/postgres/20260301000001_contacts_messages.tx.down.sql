DROP TABLE IF EXISTS messages;
--bun:split
DROP INDEX IF EXISTS domains_registrant_contact_idx;
--bun:split
ALTER TABLE domains DROP COLUMN IF EXISTS registrant_contact_id;
--bun:split
DROP TABLE IF EXISTS contacts;
