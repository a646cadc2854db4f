ALTER TABLE channels DROP COLUMN IF EXISTS epp_client_cert_sha256;
