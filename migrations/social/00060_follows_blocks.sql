-- Follows and blocks (issue 13, follows): who follows whom (active, or a
-- request waiting for the followed user's approval), each user's own
-- social settings (approve_followers: the client profile has no "private
-- profile" flag, so social keeps it), and blocks. Follow and block events
-- carry seq (social.follow_seq), so a read model (training's) keeps each
-- pair's newest fact whatever order it gets them in.

-- +goose Up
CREATE TABLE social.follows (
  follower_id  uuid NOT NULL,
  followee_id  uuid NOT NULL,
  state        text NOT NULL CHECK (state IN ('active', 'pending')),
  created_at   timestamptz NOT NULL DEFAULT now(),  -- of the request, then of the approval
  PRIMARY KEY (follower_id, followee_id),
  CHECK (follower_id <> followee_id)
);
-- Followers and requests of a user (newest first), and the users one follows.
CREATE INDEX follows_followee ON social.follows (followee_id, state, created_at, follower_id);
CREATE INDEX follows_follower ON social.follows (follower_id, state, created_at, followee_id);

CREATE TABLE social.settings (
  user_id            uuid PRIMARY KEY,
  approve_followers  bool NOT NULL DEFAULT false
);

CREATE TABLE social.blocks (
  blocker_id  uuid NOT NULL,
  blocked_id  uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id),
  CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON social.blocks (blocked_id);
CREATE INDEX blocks_page ON social.blocks (blocker_id, created_at, blocked_id);

-- The order of follow and block events (evt.social.follow.*, block.*).
CREATE SEQUENCE social.follow_seq;

-- +goose Down
DROP SEQUENCE social.follow_seq;
DROP TABLE social.blocks;
DROP TABLE social.settings;
DROP TABLE social.follows;
