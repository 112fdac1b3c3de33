-- Gear: a user's items (shoes, bikes, ...), the components of bikes, the
-- default item of each type per sport, and what each completed session
-- added to each item (the idempotency record of the totals, and the
-- history from which a replaced component's totals are recounted).

-- +goose Up
CREATE TABLE client.gear (
  id                      uuid PRIMARY KEY,               -- UUIDv7: list order
  user_id                 uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  type                    text NOT NULL,
  brand                   text,
  model                   text,
  nickname                text,
  purchase_date           date,
  starting_distance_m     double precision NOT NULL DEFAULT 0 CHECK (starting_distance_m >= 0),
  replacement_threshold_m double precision CHECK (replacement_threshold_m > 0),
  retired                 boolean NOT NULL DEFAULT false,
  -- Totals of the recorded sessions (without the starting distance).
  usage_distance_m        double precision NOT NULL DEFAULT 0,
  moving_time_s           double precision NOT NULL DEFAULT 0,
  sessions                integer NOT NULL DEFAULT 0,
  last_used_at            timestamptz,
  -- When evt.client.gear.wear_limit_reached went out; cleared when the
  -- threshold changes.
  wear_notified_at        timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  -- Deleted items stay (their usage too), invisible to the API.
  deleted_at              timestamptz
);
CREATE INDEX gear_user ON client.gear (user_id, id DESC) WHERE deleted_at IS NULL;

CREATE TABLE client.gear_components (
  id                      uuid PRIMARY KEY,
  gear_id                 uuid NOT NULL REFERENCES client.gear ON DELETE CASCADE,
  position                integer NOT NULL,
  type                    text NOT NULL,
  brand                   text,
  model                   text,
  installed_at            timestamptz NOT NULL,
  replacement_threshold_m double precision CHECK (replacement_threshold_m > 0),
  -- Totals of the sessions completed since installed_at.
  distance_m              double precision NOT NULL DEFAULT 0,
  moving_time_s           double precision NOT NULL DEFAULT 0,
  sessions                integer NOT NULL DEFAULT 0,
  wear_notified_at        timestamptz
);
CREATE INDEX gear_components_gear ON client.gear_components (gear_id, position);

-- At most one default item of a type per sport and user.
CREATE TABLE client.gear_defaults (
  user_id    uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  sport      text NOT NULL,
  gear_type  text NOT NULL,
  gear_id    uuid NOT NULL REFERENCES client.gear ON DELETE CASCADE,
  PRIMARY KEY (user_id, sport, gear_type)
);
CREATE INDEX gear_defaults_gear ON client.gear_defaults (gear_id);

-- One row per item and session: a session counts once per item, whatever
-- message brought it.
CREATE TABLE client.gear_usage (
  gear_id         uuid NOT NULL REFERENCES client.gear ON DELETE CASCADE,
  session_id      uuid NOT NULL,
  user_id         uuid NOT NULL,
  sport           text NOT NULL,
  distance_m      double precision NOT NULL,
  moving_time_s   double precision NOT NULL,
  elapsed_time_s  double precision NOT NULL,
  completed_at    timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gear_id, session_id)
);
CREATE INDEX gear_usage_completed ON client.gear_usage (gear_id, completed_at);

-- +goose Down
DROP TABLE client.gear_usage;
DROP TABLE client.gear_defaults;
DROP TABLE client.gear_components;
DROP TABLE client.gear;
