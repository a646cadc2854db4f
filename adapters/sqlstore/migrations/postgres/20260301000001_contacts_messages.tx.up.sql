-- RFC 5733 contacts owned by a registrar channel, the registrant contact a
-- registration names, and the per-channel message queue behind EPP poll.

CREATE TABLE contacts (
    id             text        PRIMARY KEY, -- the client-chosen id, unique in the registry
    roid           text        NOT NULL CONSTRAINT contacts_roid_key UNIQUE,
    channel_id     text        NOT NULL REFERENCES channels (id),
    partner_id     text        NOT NULL REFERENCES partners (id),
    postal_type    text        NOT NULL CONSTRAINT contacts_postal_type_check CHECK (postal_type IN ('int', 'loc')),
    name           text        NOT NULL,
    org            text        NOT NULL DEFAULT '',
    street         jsonb       NOT NULL,
    city           text        NOT NULL,
    sp             text        NOT NULL DEFAULT '',
    pc             text        NOT NULL DEFAULT '',
    cc             text        NOT NULL,
    voice          text        NOT NULL DEFAULT '',
    fax            text        NOT NULL DEFAULT '',
    email          text        NOT NULL,
    auth_info_hash text        NOT NULL DEFAULT '',
    statuses       jsonb       NOT NULL,
    ote_sandbox    boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT contacts_id_check CHECK (char_length(id) BETWEEN 3 AND 16)
);

--bun:split

CREATE INDEX contacts_channel_id_idx ON contacts (channel_id);

--bun:split

-- No foreign key: a deleted contact may still be named by cancelled
-- registrations kept for history; the core refuses deleting a linked one.
ALTER TABLE domains ADD COLUMN registrant_contact_id text;

--bun:split

CREATE INDEX domains_registrant_contact_idx ON domains (registrant_contact_id) WHERE registrant_contact_id IS NOT NULL;

--bun:split

CREATE TABLE messages (
    id         text        PRIMARY KEY,
    channel_id text        NOT NULL REFERENCES channels (id),
    kind       text        NOT NULL,
    domain     text        NOT NULL DEFAULT '',
    text       text        NOT NULL,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    acked_at   timestamptz
);

--bun:split

-- The queue of a channel: its unacknowledged messages, oldest first.
CREATE INDEX messages_queue_idx ON messages (channel_id, created_at, id) WHERE acked_at IS NULL;
