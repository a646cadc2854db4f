ALTER TABLE channels DROP COLUMN epp_client_cert_sha256;
