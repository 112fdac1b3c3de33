-- Training plans (issue 12): a plan, its workouts and the changes made to
-- it. The profile's time zone and heart rates plans need are in the
-- athletes read model (00015).

-- +goose Up
CREATE TABLE training.plans (
  id          uuid PRIMARY KEY,                     -- UUIDv7: lists page by id
  user_id     uuid NOT NULL,
  state       text NOT NULL CHECK (state IN ('active', 'replaced')),
  sport       text NOT NULL,
  request     jsonb NOT NULL,                       -- goal, health, schedule (store.PlanRequest)
  athlete     jsonb NOT NULL,                       -- the state the current shape was laid from
  time_zone   text NOT NULL,
  start_day   date NOT NULL,                        -- the day the plan was made
  from_day    date NOT NULL,                        -- the first day of its current shape
  end_day     date NOT NULL,
  weeks       jsonb NOT NULL,                       -- the weeks' phase, recovery and minutes (workouts below)
  notes       jsonb NOT NULL,
  checked_on  date,                                 -- the (UTC) day the daily adaptation last looked at it
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plans_user ON training.plans (user_id, id DESC);
-- One active plan per user.
CREATE UNIQUE INDEX plans_active ON training.plans (user_id) WHERE state = 'active';
-- The daily adaptation's queue: active plans not looked at today.
CREATE INDEX plans_due ON training.plans (checked_on NULLS FIRST) WHERE state = 'active';

CREATE TABLE training.plan_workouts (
  plan_id     uuid NOT NULL REFERENCES training.plans ON DELETE CASCADE,
  id          text NOT NULL,                        -- plan.Workout.ID: the date and the place on it
  day         date NOT NULL,
  kind        text NOT NULL,
  sport       text NOT NULL,
  minutes     int NOT NULL,
  targets     jsonb NOT NULL,                       -- work, reps, intensity, distance, pace and heart-rate ranges
  session_id  uuid,                                 -- the finished session matched to it
  PRIMARY KEY (plan_id, id)
);
CREATE INDEX plan_workouts_day ON training.plan_workouts (plan_id, day);

CREATE TABLE training.plan_changes (
  plan_id      uuid NOT NULL REFERENCES training.plans ON DELETE CASCADE,
  seq          int NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  explanations jsonb NOT NULL,                      -- [{key, params}]
  PRIMARY KEY (plan_id, seq)
);

-- +goose Down
DROP TABLE training.plan_changes;
DROP TABLE training.plan_workouts;
DROP TABLE training.plans;
