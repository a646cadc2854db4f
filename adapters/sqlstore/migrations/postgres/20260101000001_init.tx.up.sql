-- The registry schema on PostgreSQL. Constraints make bad states impossible
-- even for writes that bypass the core: keys, references, enums, balances.

CREATE TABLE partners (
    id                 text        PRIMARY KEY,
    name               text        NOT NULL,
    gems_balance       bigint      NOT NULL CONSTRAINT partners_gems_balance_check CHECK (gems_balance >= 0),
    dns_module_enabled boolean     NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

--bun:split

CREATE TABLE channels (
    id                     text        PRIMARY KEY,
    partner_id             text        NOT NULL REFERENCES partners (id),
    slug                   text        NOT NULL CONSTRAINT channels_slug_key UNIQUE,
    status                 text        NOT NULL CONSTRAINT channels_status_check
                                       CHECK (status IN ('pending', 'approved', 'suspended')),
    production_approved    boolean     NOT NULL DEFAULT false,
    production_approved_at timestamptz,
    rate_limit_per_minute  integer     NOT NULL CONSTRAINT channels_rate_limit_check CHECK (rate_limit_per_minute >= 0),
    epp_password_hash      text        NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL
);

--bun:split

CREATE INDEX channels_partner_id_idx ON channels (partner_id);

--bun:split

CREATE TABLE api_keys (
    id           text        PRIMARY KEY,
    partner_id   text        NOT NULL REFERENCES partners (id),
    channel_id   text        REFERENCES channels (id), -- NULL: not bound to a channel
    profile      text        NOT NULL DEFAULT '',
    scopes       jsonb       NOT NULL,
    token_hash   text        NOT NULL CONSTRAINT api_keys_token_hash_key UNIQUE,
    token_prefix text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

--bun:split

CREATE INDEX api_keys_partner_id_idx ON api_keys (partner_id);

--bun:split

CREATE INDEX api_keys_channel_id_idx ON api_keys (channel_id);

--bun:split

CREATE TABLE namespaces (
    name              text        PRIMARY KEY,
    dns_backend       text        NOT NULL CONSTRAINT namespaces_dns_backend_check
                                  CHECK (dns_backend IN ('none', 'memory', 'rfc2136')),
    create_price_gems bigint      NOT NULL CONSTRAINT namespaces_create_price_check CHECK (create_price_gems >= 0),
    renew_price_gems  bigint      NOT NULL CONSTRAINT namespaces_renew_price_check CHECK (renew_price_gems >= 0),
    reserved_labels   jsonb       NOT NULL,
    claim_labels      jsonb       NOT NULL,
    created_at        timestamptz NOT NULL
);

--bun:split

CREATE TABLE listings (
    channel_id  text        NOT NULL REFERENCES channels (id),
    namespace   text        NOT NULL REFERENCES namespaces (name),
    status      text        NOT NULL CONSTRAINT listings_status_check CHECK (status IN ('pending', 'approved')),
    created_at  timestamptz NOT NULL,
    approved_at timestamptz,
    PRIMARY KEY (channel_id, namespace)
);

--bun:split

CREATE INDEX listings_namespace_idx ON listings (namespace);

--bun:split

CREATE TABLE domains (
    id                  text        PRIMARY KEY,
    name                text        NOT NULL,
    label               text        NOT NULL,
    namespace           text        NOT NULL REFERENCES namespaces (name),
    channel_id          text        NOT NULL REFERENCES channels (id),
    partner_id          text        NOT NULL REFERENCES partners (id),
    state               text        NOT NULL CONSTRAINT domains_state_check
                                    CHECK (state IN ('active', 'expired', 'redemption', 'pending_delete', 'cancelled')),
    statuses            jsonb       NOT NULL,
    registrant          jsonb       NOT NULL,
    nameservers_desired jsonb       NOT NULL,
    nameservers_applied jsonb       NOT NULL,
    apply_status        text        NOT NULL CONSTRAINT domains_apply_status_check
                                    CHECK (apply_status IN ('none', 'pending', 'applied', 'failed')),
    backend_kind        text        NOT NULL DEFAULT '',
    backend_reference   text        NOT NULL DEFAULT '',
    protected_legacy    boolean     NOT NULL DEFAULT false,
    ote_sandbox         boolean     NOT NULL DEFAULT false,
    imported            boolean     NOT NULL DEFAULT false,
    create_paid_gems    bigint      NOT NULL DEFAULT 0 CONSTRAINT domains_create_paid_check CHECK (create_paid_gems >= 0),
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    last_renewed_at     timestamptz,
    deleted_at          timestamptz,
    claim_notice_id     text,
    claim_accepted_at   timestamptz,
    CONSTRAINT domains_name_check CHECK (name = label || '.' || namespace),
    CONSTRAINT domains_claim_check CHECK ((claim_notice_id IS NULL) = (claim_accepted_at IS NULL))
);

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
    id         text        PRIMARY KEY,
    partner_id text        NOT NULL REFERENCES partners (id),
    channel_id text        NOT NULL DEFAULT '',
    audit_id   text        NOT NULL DEFAULT '',
    command    text        NOT NULL,
    domain     text        NOT NULL DEFAULT '',
    amount     bigint      NOT NULL,
    balance    bigint      NOT NULL CONSTRAINT ledger_entries_balance_check CHECK (balance >= 0),
    created_at timestamptz NOT NULL
);

--bun:split

CREATE INDEX ledger_entries_partner_idx ON ledger_entries (partner_id, created_at, id);

--bun:split

CREATE TABLE audit_events (
    id               text        PRIMARY KEY,
    channel_id       text        NOT NULL DEFAULT '', -- '': operator action
    channel_slug     text        NOT NULL DEFAULT '',
    api_key_id       text        NOT NULL DEFAULT '',
    actor            text        NOT NULL,
    command          text        NOT NULL,
    domain           text        NOT NULL DEFAULT '',
    idempotency_key  text        NOT NULL DEFAULT '',
    status           text        NOT NULL CONSTRAINT audit_events_status_check
                                 CHECK (status IN ('success', 'sandbox', 'failed')),
    http_status      integer     NOT NULL,
    request_summary  jsonb       NOT NULL,
    response_summary jsonb       NOT NULL,
    created_at       timestamptz NOT NULL
);

--bun:split

-- Poll pages walk (channel_id, id); its filters have indexes of their own.
CREATE INDEX audit_events_channel_idx ON audit_events (channel_id, id);

--bun:split

CREATE INDEX audit_events_channel_key_idx ON audit_events (channel_id, idempotency_key, id);

--bun:split

CREATE INDEX audit_events_channel_domain_idx ON audit_events (channel_id, domain, id);

--bun:split

CREATE TABLE idempotency_records (
    channel_id      text        NOT NULL,
    idempotency_key text        NOT NULL,
    command         text        NOT NULL,
    domain          text        NOT NULL DEFAULT '',
    fingerprint     text        NOT NULL,
    sandbox         boolean     NOT NULL DEFAULT false,
    audit_id        text        NOT NULL DEFAULT '',
    result          bytea, -- NULL while the command runs
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (channel_id, idempotency_key)
);

--bun:split

CREATE INDEX idempotency_records_created_at_idx ON idempotency_records (created_at);

--bun:split

CREATE TABLE pending_items (
    id          text        PRIMARY KEY,
    audit_id    text        NOT NULL DEFAULT '',
    channel_id  text        NOT NULL,
    command     text        NOT NULL,
    domain      text        NOT NULL DEFAULT '',
    domain_id   text        REFERENCES domains (id),
    payload     jsonb       NOT NULL,
    status      text        NOT NULL CONSTRAINT pending_items_status_check
                            CHECK (status IN ('pending', 'applied', 'failed')),
    reason      text        NOT NULL DEFAULT '',
    attempts    integer     NOT NULL DEFAULT 0 CONSTRAINT pending_items_attempts_check CHECK (attempts >= 0),
    next_try_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

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
    id         text        PRIMARY KEY,
    channel_id text        NOT NULL REFERENCES channels (id),
    name       text        NOT NULL,
    created_by text        NOT NULL DEFAULT '',
    event_ids  jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

--bun:split

CREATE INDEX ote_runs_channel_id_idx ON ote_runs (channel_id);
