-- PostgreSQL's audit summaries become json (see postgres/ of the same
-- name); SQLite keeps them as checked TEXT already. Nothing to do.
SELECT 1;
