-- Poll's command and status filters get indexes of their own, as the
-- domain and idempotency key filters have: a page is an index range scan
-- of the matching events in id order, whatever the channel's history holds.
-- Without them a filter walks (channel_id, id) and drops what does not
-- match, so a rare command reads the channel's whole history for one page.
CREATE INDEX IF NOT EXISTS audit_events_channel_command_idx ON audit_events (channel_id, command, id);

--bun:split

CREATE INDEX IF NOT EXISTS audit_events_channel_status_idx ON audit_events (channel_id, status, id);

--bun:split

-- Both together: a common command with a rare status (failed renewals)
-- would otherwise walk every event of that command.
CREATE INDEX IF NOT EXISTS audit_events_channel_command_status_idx ON audit_events (channel_id, command, status, id);
