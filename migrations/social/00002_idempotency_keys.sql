-- Idempotency keys of the social module (bus.Once): a creating request sent
-- again with the same Idempotency-Key gets the first answer, stored here in
-- the transaction that made the object, sealed (it may hold secrets), for
-- 24 hours; expired rows are swept by every process that runs the module.

-- +goose Up
CREATE TABLE social.idempotency_keys (
  user_id     uuid NOT NULL,
  operation   text NOT NULL,               -- the RPC subject
  key         text NOT NULL,               -- the client's key, 1 to 255 printable ASCII characters
  fingerprint bytea NOT NULL,              -- SHA-256 of the operation and the request
  answer      bytea NOT NULL,              -- the first answer, AES-256-GCM sealed
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, operation, key)
);
CREATE INDEX idempotency_keys_expires_at ON social.idempotency_keys (expires_at);

-- +goose Down
DROP TABLE social.idempotency_keys;
