-- RFC 5733 contacts owned by a registrar channel, the registrant contact a
-- registration names, and the per-channel message queue behind EPP poll.
-- The same tables and constraints as on PostgreSQL (see the init migration
-- for the SQLite conventions).

CREATE TABLE contacts (
    id             TEXT    PRIMARY KEY, -- the client-chosen id, unique in the registry
    roid           TEXT    NOT NULL CONSTRAINT contacts_roid_key UNIQUE,
    channel_id     TEXT    NOT NULL REFERENCES channels (id),
    partner_id     TEXT    NOT NULL REFERENCES partners (id),
    postal_type    TEXT    NOT NULL CONSTRAINT contacts_postal_type_check CHECK (postal_type IN ('int', 'loc')),
    name           TEXT    NOT NULL,
    org            TEXT    NOT NULL DEFAULT '',
    street         TEXT    NOT NULL CHECK (json_valid(street)),
    city           TEXT    NOT NULL,
    sp             TEXT    NOT NULL DEFAULT '',
    pc             TEXT    NOT NULL DEFAULT '',
    cc             TEXT    NOT NULL,
    voice          TEXT    NOT NULL DEFAULT '',
    fax            TEXT    NOT NULL DEFAULT '',
    email          TEXT    NOT NULL,
    auth_info_hash TEXT    NOT NULL DEFAULT '',
    statuses       TEXT    NOT NULL CHECK (json_valid(statuses)),
    ote_sandbox    INTEGER NOT NULL DEFAULT 0 CHECK (ote_sandbox IN (0, 1)),
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    CONSTRAINT contacts_id_check CHECK (length(id) BETWEEN 3 AND 16)
) STRICT;

--bun:split

CREATE INDEX contacts_channel_id_idx ON contacts (channel_id);

--bun:split

-- No foreign key: a deleted contact may still be named by cancelled
-- registrations kept for history; the core refuses deleting a linked one.
ALTER TABLE domains ADD COLUMN registrant_contact_id TEXT;

--bun:split

CREATE INDEX domains_registrant_contact_idx ON domains (registrant_contact_id) WHERE registrant_contact_id IS NOT NULL;

--bun:split

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channels (id),
    kind       TEXT NOT NULL,
    domain     TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    created_at TEXT NOT NULL,
    acked_at   TEXT
) STRICT;

--bun:split

CREATE INDEX messages_queue_idx ON messages (channel_id, created_at, id) WHERE acked_at IS NULL;
