-- Workout sessions, their named parameters and gear, and their telemetry
-- points. Points carry no foreign key: a key check per row would halve the
-- ingest rate, and points are deleted with their session by the module.

-- +goose Up
CREATE TABLE training.sessions (
  id             uuid PRIMARY KEY,                  -- UUIDv7: lists page by id
  user_id        uuid NOT NULL,
  sport          text NOT NULL,
  state          text NOT NULL CHECK (state IN ('active', 'paused', 'finished', 'discarded')),
  device_id      uuid,
  visibility     text NOT NULL CHECK (visibility IN ('private', 'followers', 'public')),
  title          text NOT NULL DEFAULT '',
  notes          text NOT NULL DEFAULT '',
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz,
  last_point_at  timestamptz,
  summary        jsonb,                             -- the figures, once finished
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON training.sessions (user_id, id DESC);
CREATE INDEX sessions_open ON training.sessions (last_point_at) WHERE state IN ('active', 'paused');

CREATE TABLE training.session_gear (
  session_id  uuid NOT NULL REFERENCES training.sessions ON DELETE CASCADE,
  gear_id     uuid NOT NULL,
  PRIMARY KEY (session_id, gear_id)
);

-- Named values per session: perceived effort, calories, weather, anything a
-- device reports.
CREATE TABLE training.session_parameters (
  session_id  uuid NOT NULL REFERENCES training.sessions ON DELETE CASCADE,
  name        text NOT NULL,
  value       jsonb NOT NULL,
  PRIMARY KEY (session_id, name)
);

-- One row per point; the key makes a redelivered point change nothing.
CREATE TABLE training.points (
  session_id  uuid NOT NULL,
  t           timestamptz NOT NULL,
  pos         geography(Point, 4326) NOT NULL,
  ele         real,
  acc         real,
  speed       real,
  hr          smallint,
  cad         smallint,
  pwr         smallint,
  temp        real,
  PRIMARY KEY (session_id, t)
);

-- +goose Down
DROP TABLE training.points;
DROP TABLE training.session_parameters;
DROP TABLE training.session_gear;
DROP TABLE training.sessions;
