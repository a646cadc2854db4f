ALTER TABLE audit_events
    ALTER COLUMN request_summary TYPE jsonb USING request_summary::jsonb,
    ALTER COLUMN response_summary TYPE jsonb USING response_summary::jsonb;
