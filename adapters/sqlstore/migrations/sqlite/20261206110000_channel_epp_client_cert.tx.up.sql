-- The SHA-256 fingerprint of the TLS client certificate a channel's EPP
-- logins present where client certificates are required (RFC 5734 §9);
-- '' binds none.
ALTER TABLE channels ADD COLUMN epp_client_cert_sha256 TEXT NOT NULL DEFAULT '';
