-- Recommendations (issue 12): the user's dismissals, and what the gear
-- rule needs to know of gear (from the client module's gear events: its
-- name, the distance it had before it was recorded, its replacement
-- distance, retired); the distance since is the sum of training's own
-- sessions that used it.

-- A finished session's track as the analytics need it (seconds from its
-- first point, cumulative metres, heart rate), written with its figures:
-- the analytics consumer reads one value instead of every point.

-- +goose Up
CREATE TABLE training.session_tracks (
  session_id  uuid PRIMARY KEY REFERENCES training.sessions ON DELETE CASCADE,
  track       bytea NOT NULL  -- store.EncodeTrack: 10 bytes a point, little-endian
);

CREATE TABLE training.recommendation_dismissals (
  user_id           uuid NOT NULL,
  recommendation_id text NOT NULL,
  dismissed_at      timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,  -- the advice's expiry: then the row can go
  PRIMARY KEY (user_id, recommendation_id)
);

ALTER TABLE training.gear
  ADD COLUMN name                    text,
  ADD COLUMN starting_distance_m     double precision NOT NULL DEFAULT 0,
  ADD COLUMN replacement_threshold_m double precision,
  ADD COLUMN retired                 boolean NOT NULL DEFAULT false,
  ADD COLUMN facts_at                timestamptz;  -- the event's time, so an older one changes nothing

-- +goose Down
ALTER TABLE training.gear DROP COLUMN facts_at, DROP COLUMN retired, DROP COLUMN replacement_threshold_m,
  DROP COLUMN starting_distance_m, DROP COLUMN name;
DROP TABLE training.recommendation_dismissals;
DROP TABLE training.session_tracks;
