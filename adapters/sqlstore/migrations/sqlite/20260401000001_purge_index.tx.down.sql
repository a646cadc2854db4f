DROP INDEX IF EXISTS domains_purge_idx;
