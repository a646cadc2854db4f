ALTER TABLE namespaces DROP COLUMN add_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN renew_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN auto_renew_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN transfer_grace_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN redemption_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN pending_delete_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN transfer_pending_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN transfer_lock_period_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN auth_code_ttl_seconds;

--bun:split

ALTER TABLE namespaces DROP COLUMN auto_renew;

--bun:split

ALTER TABLE namespaces DROP COLUMN restore_price_gems;

--bun:split

ALTER TABLE namespaces DROP COLUMN transfer_price_gems;

--bun:split

DROP INDEX IF EXISTS domains_due_idx;

--bun:split

ALTER TABLE domains DROP COLUMN grace;

--bun:split

ALTER TABLE domains DROP COLUMN state_ends_at;

--bun:split

ALTER TABLE domains DROP COLUMN due_at;

--bun:split

ALTER TABLE ledger_entries DROP COLUMN reason;
