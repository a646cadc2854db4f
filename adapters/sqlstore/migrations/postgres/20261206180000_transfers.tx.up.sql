-- Transfers between registrar channels (RFC 5731) and authorization codes
-- (RFC 9154): the latest transfer of a registration (JSON, with its status and
-- both channels copied into columns for GET /transfers), the hash of its
-- authorization code with when it was set and expires, and when it was last
-- transferred (the transfer lock counts from it).
ALTER TABLE domains ADD COLUMN transfer jsonb;

--bun:split

ALTER TABLE domains ADD COLUMN transfer_status text NOT NULL DEFAULT '';

--bun:split

ALTER TABLE domains ADD COLUMN transfer_gaining_channel_id text NOT NULL DEFAULT '';

--bun:split

ALTER TABLE domains ADD COLUMN transfer_losing_channel_id text NOT NULL DEFAULT '';

--bun:split

ALTER TABLE domains ADD COLUMN auth_code_hash text NOT NULL DEFAULT '';

--bun:split

ALTER TABLE domains ADD COLUMN auth_code_set_at timestamptz;

--bun:split

ALTER TABLE domains ADD COLUMN auth_code_expires_at timestamptz;

--bun:split

ALTER TABLE domains ADD COLUMN transferred_at timestamptz;

--bun:split

CREATE INDEX domains_transfer_gaining_idx ON domains (transfer_gaining_channel_id, id) WHERE transfer_gaining_channel_id <> '';

--bun:split

CREATE INDEX domains_transfer_losing_idx ON domains (transfer_losing_channel_id, id) WHERE transfer_losing_channel_id <> '';
