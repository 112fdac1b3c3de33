-- The analytics read model (issue 12), kept from the module's own session
-- events (evt.training.session.completed/updated/deleted, consumer
-- training__evt_training_session): each finished session's figures,
-- computed once from its points, and its best efforts, from which the
-- personal records are read. Both go with their session (ON DELETE
-- CASCADE); the deleted event then finds nothing left to take back.
-- The athletes read model gains what analytics need of the profile: the
-- time zone that makes the user's days and the heart rates of the load.

-- +goose Up
ALTER TABLE training.athletes
  ADD COLUMN time_zone      text,
  ADD COLUMN resting_hr_bpm integer,
  ADD COLUMN max_hr_bpm     integer;

CREATE TABLE training.session_figures (
  session_id         uuid PRIMARY KEY REFERENCES training.sessions ON DELETE CASCADE,
  user_id            uuid NOT NULL,
  sport              text NOT NULL,
  started_at         timestamptz NOT NULL,
  distance_m         double precision NOT NULL,
  moving_time_s      double precision NOT NULL,
  elapsed_time_s     double precision NOT NULL,
  elevation_gain_m   double precision NOT NULL,
  load               double precision NOT NULL,
  load_model         text NOT NULL,          -- hrss, trimp, srpe, none
  trimp              double precision,
  assumed            text[] NOT NULL DEFAULT '{}',
  strength_volume_kg double precision NOT NULL DEFAULT 0,
  strength           jsonb NOT NULL DEFAULT '[]',  -- store.StrengthBest per exercise
  revision           bigint NOT NULL              -- the event's revision it was computed for
);
-- The daily series and the summaries read a user's sessions by time, from
-- the index alone.
CREATE INDEX session_figures_user_time ON training.session_figures (user_id, started_at)
  INCLUDE (sport, load, distance_m, moving_time_s, elevation_gain_m, strength_volume_kg);

CREATE TABLE training.session_efforts (
  session_id  uuid NOT NULL REFERENCES training.sessions ON DELETE CASCADE,
  distance_m  double precision NOT NULL,
  user_id     uuid NOT NULL,
  started_at  timestamptz NOT NULL,  -- the session's start
  time_s      double precision NOT NULL,
  start_s     double precision NOT NULL,
  end_s       double precision NOT NULL,
  PRIMARY KEY (session_id, distance_m)
);
-- Records: the fastest effort per distance, the earliest on a tie.
CREATE INDEX session_efforts_records ON training.session_efforts (user_id, distance_m, time_s, started_at);

-- +goose Down
DROP TABLE training.session_efforts;
DROP TABLE training.session_figures;
ALTER TABLE training.athletes DROP COLUMN max_hr_bpm, DROP COLUMN resting_hr_bpm, DROP COLUMN time_zone;
