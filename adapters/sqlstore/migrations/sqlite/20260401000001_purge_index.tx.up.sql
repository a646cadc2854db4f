-- The purge sweep lists pending-delete registrations by deletion time.
CREATE INDEX IF NOT EXISTS domains_purge_idx ON domains (deleted_at, id) WHERE state = 'pending_delete';
