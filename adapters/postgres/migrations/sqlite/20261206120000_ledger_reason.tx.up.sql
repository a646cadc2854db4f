-- An operator's Gems adjustment names why it moved the balance and who did.
ALTER TABLE ledger_entries ADD COLUMN reason text NOT NULL DEFAULT '';
--bun:split
ALTER TABLE ledger_entries ADD COLUMN actor text NOT NULL DEFAULT '';
