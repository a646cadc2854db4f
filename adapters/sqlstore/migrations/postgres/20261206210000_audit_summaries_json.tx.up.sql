-- Audit summaries become json (the text as written) instead of jsonb.
-- Nothing queries inside them; every poll page prints them, and printing
-- jsonb (jsonb_out, twice an event) was about 40% of PostgreSQL's time for
-- a page of 50 events, where json hands its text out as it is. Writing is
-- cheaper too: json only checks the text, jsonb parses it into its binary
-- form. Rows written before keep jsonb's print ({"years": 1, "domain": ...});
-- the store reads either form (adapters/sqlstore/summary.go). The change
-- rewrites the table once, under its exclusive lock.
ALTER TABLE audit_events
    ALTER COLUMN request_summary TYPE json USING request_summary::json,
    ALTER COLUMN response_summary TYPE json USING response_summary::json;
