-- Achievements (package modules/gamification/internal/achieve): the
-- catalogue as data, each user's aggregates and unlocks, and backfills.

-- +goose Up
-- The catalogue: one row per achievement, its definition (achieve.Achievement:
-- names, message keys, hidden, the rule of package rules) as JSON. Seeded
-- from the default catalogue on the module's first start (an existing row is
-- never overwritten); the admin API creates, replaces and retires rows, never
-- deletes one (what users unlocked keeps its achievement).
CREATE TABLE gamification.achievements (
  id          text PRIMARY KEY,
  definition  jsonb NOT NULL,
  version     integer NOT NULL DEFAULT 1,     -- raised by each replacement
  retired_at  timestamptz,                     -- retired: no longer unlocked nor listed
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Each user's aggregates (achieve.State in its binary form, achieve/encode.go:
-- sums by sport and period, best figures, active days, sessions by hour,
-- records, challenges, units unlocked; empty: none yet), kept by the session consumer's applier in its transaction, and
-- the user's points (the sum of their unlocks' points).
CREATE TABLE gamification.achievement_users (
  user_id    uuid PRIMARY KEY,
  state      bytea NOT NULL,
  points     integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);

-- Unlocks: once per user, achievement, tier and repetition (the primary
-- key makes the hot path, a redelivery and a backfill unlock it once).
CREATE TABLE gamification.user_achievements (
  user_id        uuid NOT NULL,
  achievement_id text NOT NULL,
  tier           integer NOT NULL,              -- 1-based
  repetition     integer NOT NULL,              -- 0, or 1, 2, … for a repeatable one's last tier
  points         integer NOT NULL,
  session_id     uuid,                          -- the session that did it, when one did
  unlocked_at    timestamptz NOT NULL,
  PRIMARY KEY (user_id, achievement_id, tier, repetition)
);

-- Backfills of one achievement over every user's history, in batches of
-- users by id: cursor is the last user done, so a run that stopped halfway
-- (a crash) goes on from there on the next start or request.
CREATE TABLE gamification.achievement_backfills (
  id             uuid PRIMARY KEY,
  achievement_id text NOT NULL REFERENCES gamification.achievements (id),
  version        integer NOT NULL,              -- of the achievement it applies
  state          text NOT NULL CHECK (state IN ('running', 'done')),
  cursor         uuid,
  users          integer NOT NULL DEFAULT 0,    -- users evaluated so far
  unlocked       integer NOT NULL DEFAULT 0,    -- unlocks it added
  requested_by   uuid NOT NULL,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz
);
CREATE UNIQUE INDEX achievement_backfills_running ON gamification.achievement_backfills (achievement_id) WHERE state = 'running';
CREATE INDEX achievement_backfills_latest ON gamification.achievement_backfills (achievement_id, started_at DESC);

-- +goose Down
DROP TABLE gamification.achievement_backfills;
DROP TABLE gamification.user_achievements;
DROP TABLE gamification.achievement_users;
DROP TABLE gamification.achievements;
