-- The recording devices of each user: phones, watches, straps, power
-- meters, bike computers, and the sensors they carry.

-- +goose Up
CREATE TABLE training.devices (
  id            uuid PRIMARY KEY,                 -- UUIDv7: lists page by id
  user_id       uuid NOT NULL,                    -- client's user (no cross-schema key)
  kind          text NOT NULL CHECK (kind IN ('phone', 'watch', 'chest_strap', 'power_meter', 'bike_computer', 'other')),
  manufacturer  text NOT NULL DEFAULT '',
  model         text NOT NULL DEFAULT '',
  name          text NOT NULL DEFAULT '',
  sensors       text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_user ON training.devices (user_id, id DESC);

-- +goose Down
DROP TABLE training.devices;
