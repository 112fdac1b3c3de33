-- What training keeps of each user's profile (a read model fed by
-- evt.client.profile.updated): the body data calorie estimates need and
-- the default visibility of new sessions.

-- +goose Up
CREATE TABLE training.athletes (
  user_id            uuid PRIMARY KEY,
  birth_date         date,
  sex                text,
  weight_kg          double precision,
  default_visibility text NOT NULL DEFAULT 'followers',
  sport_visibility   jsonb NOT NULL DEFAULT '{}',
  updated_at         timestamptz NOT NULL   -- the profile's, so an older event changes nothing
);

-- +goose Down
DROP TABLE training.athletes;
