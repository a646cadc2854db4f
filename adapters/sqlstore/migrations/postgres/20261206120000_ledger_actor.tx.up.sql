-- Who moved a partner's Gems: the registrar, the registry or an operator
-- (the reason column came with the lifecycle migration).
ALTER TABLE ledger_entries ADD COLUMN actor text NOT NULL DEFAULT '';
