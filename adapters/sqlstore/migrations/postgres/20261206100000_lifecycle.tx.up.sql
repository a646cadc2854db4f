-- Namespace lifecycle policy (RFC 3915 periods, auto-renew, restore and
-- transfer prices), the registrations' grace periods and deadlines, and the
-- reason of each ledger entry.
ALTER TABLE namespaces ADD COLUMN add_grace_period_seconds bigint NOT NULL DEFAULT 432000 CHECK (add_grace_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN renew_grace_period_seconds bigint NOT NULL DEFAULT 432000 CHECK (renew_grace_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN auto_renew_grace_period_seconds bigint NOT NULL DEFAULT 3888000 CHECK (auto_renew_grace_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN transfer_grace_period_seconds bigint NOT NULL DEFAULT 432000 CHECK (transfer_grace_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN redemption_period_seconds bigint NOT NULL DEFAULT 2592000 CHECK (redemption_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN pending_delete_period_seconds bigint NOT NULL DEFAULT 432000 CHECK (pending_delete_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN transfer_pending_period_seconds bigint NOT NULL DEFAULT 432000 CHECK (transfer_pending_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN transfer_lock_period_seconds bigint NOT NULL DEFAULT 2592000 CHECK (transfer_lock_period_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN auth_code_ttl_seconds bigint NOT NULL DEFAULT 1209600 CHECK (auth_code_ttl_seconds >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN auto_renew boolean NOT NULL DEFAULT true;

--bun:split

-- NULL: the price follows the renew price.
ALTER TABLE namespaces ADD COLUMN restore_price_gems bigint CHECK (restore_price_gems >= 0);

--bun:split

ALTER TABLE namespaces ADD COLUMN transfer_price_gems bigint CHECK (transfer_price_gems >= 0);

--bun:split

-- The running grace periods with the debit each guards; NULL on rows stored
-- before they were recorded.
ALTER TABLE domains ADD COLUMN grace jsonb;

--bun:split

ALTER TABLE domains ADD COLUMN state_ends_at timestamptz;

--bun:split

-- The next instant the maintenance loop must look at the row; NULL when never.
ALTER TABLE domains ADD COLUMN due_at timestamptz;

--bun:split

-- Rows stored before: due no later than their true deadline (the first pass
-- that looks at one stores the exact one).
UPDATE domains SET due_at = CASE state WHEN 'active' THEN expires_at WHEN 'pending_delete' THEN deleted_at END
WHERE NOT ote_sandbox AND state IN ('active', 'pending_delete');

--bun:split

CREATE INDEX domains_due_idx ON domains (due_at, id) WHERE due_at IS NOT NULL;

--bun:split

ALTER TABLE ledger_entries ADD COLUMN reason text NOT NULL DEFAULT '';
