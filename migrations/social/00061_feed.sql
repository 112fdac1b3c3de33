-- The feed (issue 13, GET /v1/feed): social's read model of training's
-- session and record events, with what a card needs. One row per finished
-- session (item_id = the session's id) and one per session's new records
-- (item_id derived from the session's id); a deleted session's rows stay
-- as a tombstone (deleted = true, its revision) so a late event of it
-- brings nothing back. A deleted user's rows go.

-- +goose Up
CREATE TABLE social.feed_items (
  item_id        uuid PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('session', 'records')),
  session_id     uuid NOT NULL,
  owner_id       uuid NOT NULL,
  sport          text NOT NULL,
  title          text NOT NULL DEFAULT '',
  started_at     timestamptz NOT NULL,
  distance_m     double precision NOT NULL DEFAULT 0,
  moving_time_s  double precision NOT NULL DEFAULT 0,
  visibility     text NOT NULL CHECK (visibility IN ('private', 'followers', 'public')),
  records        jsonb,                      -- kind records: what the session set
  at             timestamptz NOT NULL,       -- the card's time: completed, or records set
  revision       bigint NOT NULL DEFAULT 0,  -- of the session event applied
  deleted        bool NOT NULL DEFAULT false
);
-- A page: per followed owner, its newest visible items (the feed merges them).
CREATE INDEX feed_items_owner ON social.feed_items (owner_id, at DESC, item_id DESC) WHERE NOT deleted AND visibility <> 'private';
CREATE INDEX feed_items_session ON social.feed_items (session_id);

-- +goose Down
DROP TABLE social.feed_items;
