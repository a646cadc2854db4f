DROP INDEX IF EXISTS domains_transfer_losing_idx;

--bun:split

DROP INDEX IF EXISTS domains_transfer_gaining_idx;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS transferred_at;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS auth_code_expires_at;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS auth_code_set_at;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS auth_code_hash;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS transfer_losing_channel_id;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS transfer_gaining_channel_id;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS transfer_status;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS transfer;
