-- PostgreSQL's registry_check_writes (see postgres/ of the same name): the
-- store's batches that commit run only there. Nothing to do.
SELECT 1;
