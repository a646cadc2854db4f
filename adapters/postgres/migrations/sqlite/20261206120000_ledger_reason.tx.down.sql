ALTER TABLE ledger_entries DROP COLUMN actor;
--bun:split
ALTER TABLE ledger_entries DROP COLUMN reason;
