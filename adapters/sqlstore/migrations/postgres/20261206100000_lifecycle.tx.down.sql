ALTER TABLE namespaces DROP COLUMN IF EXISTS add_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS renew_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS auto_renew_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS transfer_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS redemption_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS pending_delete_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS transfer_pending_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS transfer_lock_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS auth_code_ttl_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS auto_renew;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS restore_price_gems;

--bun:split

ALTER TABLE namespaces DROP COLUMN IF EXISTS transfer_price_gems;

--bun:split

DROP INDEX IF EXISTS domains_due_idx;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS grace;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS state_ends_at;

--bun:split

ALTER TABLE domains DROP COLUMN IF EXISTS due_at;

--bun:split

ALTER TABLE ledger_entries DROP COLUMN IF EXISTS reason;
