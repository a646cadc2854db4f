DROP TABLE IF EXISTS ote_runs;
--bun:split
DROP TABLE IF EXISTS pending_items;
--bun:split
DROP TABLE IF EXISTS idempotency_records;
--bun:split
DROP TABLE IF EXISTS audit_events;
--bun:split
DROP TABLE IF EXISTS ledger_entries;
--bun:split
DROP TABLE IF EXISTS domains;
--bun:split
DROP TABLE IF EXISTS listings;
--bun:split
DROP TABLE IF EXISTS namespaces;
--bun:split
DROP TABLE IF EXISTS api_keys;
--bun:split
DROP TABLE IF EXISTS channels;
--bun:split
DROP TABLE IF EXISTS partners;
