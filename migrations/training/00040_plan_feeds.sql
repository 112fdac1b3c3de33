-- A training plan's calendar feed: a secret URL a calendar app subscribes
-- to (they cannot send a bearer token). Only the token's SHA-256 is kept;
-- a new token replaces the old one, and the feed goes with its plan.

-- +goose Up
CREATE TABLE training.plan_feeds (
  plan_id     uuid PRIMARY KEY REFERENCES training.plans ON DELETE CASCADE,
  user_id     uuid NOT NULL,
  token_hash  bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE training.plan_feeds;
