DROP INDEX IF EXISTS audit_events_channel_command_status_idx;

--bun:split

DROP INDEX IF EXISTS audit_events_channel_status_idx;

--bun:split

DROP INDEX IF EXISTS audit_events_channel_command_idx;
