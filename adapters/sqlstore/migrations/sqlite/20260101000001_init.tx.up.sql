-- The registry schema on SQLite, the same tables and constraints as on
-- PostgreSQL. Tables are STRICT (a value of the wrong type is refused);
-- booleans are 0 or 1; JSON columns must hold valid JSON; instants are UTC
-- text of fixed width (2006-01-02T15:04:05.000000Z), so text order is time
-- order and every instant round-trips to the microsecond.

CREATE TABLE partners (
    id                 TEXT    PRIMARY KEY,
    name               TEXT    NOT NULL,
    gems_balance       INTEGER NOT NULL CONSTRAINT partners_gems_balance_check CHECK (gems_balance >= 0),
    dns_module_enabled INTEGER NOT NULL DEFAULT 0 CHECK (dns_module_enabled IN (0, 1)),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
) STRICT;

--bun:split

CREATE TABLE channels (
    id                     TEXT    PRIMARY KEY,
    partner_id             TEXT    NOT NULL REFERENCES partners (id),
    slug                   TEXT    NOT NULL CONSTRAINT channels_slug_key UNIQUE,
    status                 TEXT    NOT NULL CONSTRAINT channels_status_check
                                   CHECK (status IN ('pending', 'approved', 'suspended')),
    production_approved    INTEGER NOT NULL DEFAULT 0 CHECK (production_approved IN (0, 1)),
    production_approved_at TEXT,
    rate_limit_per_minute  INTEGER NOT NULL CONSTRAINT channels_rate_limit_check CHECK (rate_limit_per_minute >= 0),
    epp_password_hash      TEXT    NOT NULL DEFAULT '',
    created_at             TEXT    NOT NULL,
    updated_at             TEXT    NOT NULL
) STRICT;

--bun:split

CREATE INDEX channels_partner_id_idx ON channels (partner_id);

--bun:split

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    partner_id   TEXT NOT NULL REFERENCES partners (id),
    channel_id   TEXT REFERENCES channels (id), -- NULL: not bound to a channel
    profile      TEXT NOT NULL DEFAULT '',
    scopes       TEXT NOT NULL CHECK (json_valid(scopes)),
    token_hash   TEXT NOT NULL CONSTRAINT api_keys_token_hash_key UNIQUE,
    token_prefix TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

--bun:split

CREATE INDEX api_keys_partner_id_idx ON api_keys (partner_id);

--bun:split

CREATE INDEX api_keys_channel_id_idx ON api_keys (channel_id);

--bun:split

CREATE TABLE namespaces (
    name              TEXT    PRIMARY KEY,
    dns_backend       TEXT    NOT NULL CONSTRAINT namespaces_dns_backend_check
                              CHECK (dns_backend IN ('none', 'memory', 'rfc2136')),
    create_price_gems INTEGER NOT NULL CONSTRAINT namespaces_create_price_check CHECK (create_price_gems >= 0),
    renew_price_gems  INTEGER NOT NULL CONSTRAINT namespaces_renew_price_check CHECK (renew_price_gems >= 0),
    reserved_labels   TEXT    NOT NULL CHECK (json_valid(reserved_labels)),
    claim_labels      TEXT    NOT NULL CHECK (json_valid(claim_labels)),
    created_at        TEXT    NOT NULL
) STRICT;

--bun:split

CREATE TABLE listings (
    channel_id  TEXT NOT NULL REFERENCES channels (id),
    namespace   TEXT NOT NULL REFERENCES namespaces (name),
    status      TEXT NOT NULL CONSTRAINT listings_status_check CHECK (status IN ('pending', 'approved')),
    created_at  TEXT NOT NULL,
    approved_at TEXT,
    PRIMARY KEY (channel_id, namespace)
) STRICT;

--bun:split

CREATE INDEX listings_namespace_idx ON listings (namespace);

--bun:split

CREATE TABLE domains (
    id                  TEXT    PRIMARY KEY,
    name                TEXT    NOT NULL,
    label               TEXT    NOT NULL,
    namespace           TEXT    NOT NULL REFERENCES namespaces (name),
    channel_id          TEXT    NOT NULL REFERENCES channels (id),
    partner_id          TEXT    NOT NULL REFERENCES partners (id),
    state               TEXT    NOT NULL CONSTRAINT domains_state_check
                                CHECK (state IN ('active', 'expired', 'redemption', 'pending_delete', 'cancelled')),
    statuses            TEXT    NOT NULL CHECK (json_valid(statuses)),
    registrant          TEXT    NOT NULL CHECK (json_valid(registrant)),
    nameservers_desired TEXT    NOT NULL CHECK (json_valid(nameservers_desired)),
    nameservers_applied TEXT    NOT NULL CHECK (json_valid(nameservers_applied)),
    apply_status        TEXT    NOT NULL CONSTRAINT domains_apply_status_check
                                CHECK (apply_status IN ('none', 'pending', 'applied', 'failed')),
    backend_kind        TEXT    NOT NULL DEFAULT '',
    backend_reference   TEXT    NOT NULL DEFAULT '',
    protected_legacy    INTEGER NOT NULL DEFAULT 0 CHECK (protected_legacy IN (0, 1)),
    ote_sandbox         INTEGER NOT NULL DEFAULT 0 CHECK (ote_sandbox IN (0, 1)),
    imported            INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    create_paid_gems    INTEGER NOT NULL DEFAULT 0 CONSTRAINT domains_create_paid_check CHECK (create_paid_gems >= 0),
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL,
    last_renewed_at     TEXT,
    deleted_at          TEXT,
    claim_notice_id     TEXT,
    claim_accepted_at   TEXT,
    CONSTRAINT domains_name_check CHECK (name = label || '.' || namespace),
    CONSTRAINT domains_claim_check CHECK ((claim_notice_id IS NULL) = (claim_accepted_at IS NULL))
) STRICT;

--bun:split

-- At most one registration per name is not cancelled; cancelled rows stay
-- for history. Also the index of every name lookup (check, info, create).
CREATE UNIQUE INDEX domains_live_name_key ON domains (name) WHERE state <> 'cancelled';

--bun:split

CREATE INDEX domains_channel_id_idx ON domains (channel_id);

--bun:split

CREATE INDEX domains_namespace_label_idx ON domains (namespace, label);

--bun:split

CREATE TABLE ledger_entries (
    id         TEXT    PRIMARY KEY,
    partner_id TEXT    NOT NULL REFERENCES partners (id),
    channel_id TEXT    NOT NULL DEFAULT '',
    audit_id   TEXT    NOT NULL DEFAULT '',
    command    TEXT    NOT NULL,
    domain     TEXT    NOT NULL DEFAULT '',
    amount     INTEGER NOT NULL,
    balance    INTEGER NOT NULL CONSTRAINT ledger_entries_balance_check CHECK (balance >= 0),
    created_at TEXT    NOT NULL
) STRICT;

--bun:split

CREATE INDEX ledger_entries_partner_idx ON ledger_entries (partner_id, created_at, id);

--bun:split

CREATE TABLE audit_events (
    id               TEXT    PRIMARY KEY,
    channel_id       TEXT    NOT NULL DEFAULT '', -- '': operator action
    channel_slug     TEXT    NOT NULL DEFAULT '',
    api_key_id       TEXT    NOT NULL DEFAULT '',
    actor            TEXT    NOT NULL,
    command          TEXT    NOT NULL,
    domain           TEXT    NOT NULL DEFAULT '',
    idempotency_key  TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL CONSTRAINT audit_events_status_check
                             CHECK (status IN ('success', 'sandbox', 'failed')),
    http_status      INTEGER NOT NULL,
    request_summary  TEXT    NOT NULL CHECK (json_valid(request_summary)),
    response_summary TEXT    NOT NULL CHECK (json_valid(response_summary)),
    created_at       TEXT    NOT NULL
) STRICT;

--bun:split

-- Poll pages walk (channel_id, id); its filters have indexes of their own.
CREATE INDEX audit_events_channel_idx ON audit_events (channel_id, id);

--bun:split

CREATE INDEX audit_events_channel_key_idx ON audit_events (channel_id, idempotency_key, id);

--bun:split

CREATE INDEX audit_events_channel_domain_idx ON audit_events (channel_id, domain, id);

--bun:split

CREATE TABLE idempotency_records (
    channel_id      TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    command         TEXT    NOT NULL,
    domain          TEXT    NOT NULL DEFAULT '',
    fingerprint     TEXT    NOT NULL,
    sandbox         INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    audit_id        TEXT    NOT NULL DEFAULT '',
    result          BLOB, -- NULL while the command runs
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (channel_id, idempotency_key)
) STRICT, WITHOUT ROWID;

--bun:split

CREATE INDEX idempotency_records_created_at_idx ON idempotency_records (created_at);

--bun:split

CREATE TABLE pending_items (
    id          TEXT    PRIMARY KEY,
    audit_id    TEXT    NOT NULL DEFAULT '',
    channel_id  TEXT    NOT NULL,
    command     TEXT    NOT NULL,
    domain      TEXT    NOT NULL DEFAULT '',
    domain_id   TEXT    REFERENCES domains (id),
    payload     TEXT    NOT NULL CHECK (json_valid(payload)),
    status      TEXT    NOT NULL CONSTRAINT pending_items_status_check
                        CHECK (status IN ('pending', 'applied', 'failed')),
    reason      TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0 CONSTRAINT pending_items_attempts_check CHECK (attempts >= 0),
    next_try_at TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
) STRICT;

--bun:split

CREATE INDEX pending_items_due_idx ON pending_items (status, next_try_at);

--bun:split

CREATE INDEX pending_items_channel_idx ON pending_items (channel_id, status, created_at, id);

--bun:split

CREATE INDEX pending_items_status_idx ON pending_items (status, created_at, id);

--bun:split

CREATE INDEX pending_items_domain_id_idx ON pending_items (domain_id);

--bun:split

CREATE TABLE ote_runs (
    id         TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channels (id),
    name       TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    event_ids  TEXT NOT NULL CHECK (json_valid(event_ids)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

--bun:split

CREATE INDEX ote_runs_channel_id_idx ON ote_runs (channel_id);
