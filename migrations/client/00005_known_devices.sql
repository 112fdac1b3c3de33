-- Devices that signed in to an account before (OWASP's "device cookies"):
-- a login that presents one of its device tokens is throttled on its own,
-- so failures of strangers, which lock out unknown devices for a while,
-- never lock the owner out of a device it used before.

-- +goose Up
CREATE TABLE client.known_devices (
  token_hash    bytea PRIMARY KEY,   -- SHA-256 of the device token
  user_id       uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX known_devices_user ON client.known_devices (user_id, last_used_at);

-- +goose Down
DROP TABLE client.known_devices;
