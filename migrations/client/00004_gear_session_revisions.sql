-- The latest revision of each training session the gear totals applied,
-- so that events that arrive out of order (several relays, redeliveries)
-- are applied only if newer, and a deleted session is never counted again.

-- +goose Up
CREATE TABLE client.gear_sessions (
  session_id  uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  revision    bigint NOT NULL,
  deleted     boolean NOT NULL DEFAULT false
);

-- +goose Down
DROP TABLE client.gear_sessions;
