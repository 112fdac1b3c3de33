-- Groups (issue 13): groups by sport, goal and place, their members with
-- roles, bans, join requests of private groups, invitation links, and the
-- names read model fed by the client module's events. Other modules rely on
-- these names (the chat of issue 13 calls store.MemberRole).

-- +goose Up
CREATE TABLE social.groups (
  id           uuid PRIMARY KEY,                 -- UUIDv7: newest first by id
  owner_id     uuid NOT NULL,
  name         text NOT NULL,
  description  text NOT NULL DEFAULT '',
  sports       text[] NOT NULL DEFAULT '{}',
  goals        text[] NOT NULL DEFAULT '{}',     -- free tags, lower case
  place        geography(Point, 4326),           -- where the group meets, when it says
  radius_m     int,                              -- the area around place it covers
  visibility   text NOT NULL CHECK (visibility IN ('public', 'private')),
  member_limit int NOT NULL,
  member_count int NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((place IS NULL) = (radius_m IS NULL))
);
-- Search: near (KNN on the sphere), sport and goal (array containment), text
-- (trigram match on name and description, ILIKE '%…%').
CREATE INDEX groups_place ON social.groups USING gist (place);
CREATE INDEX groups_sports ON social.groups USING gin (sports);
CREATE INDEX groups_goals ON social.groups USING gin (goals);
CREATE INDEX groups_text ON social.groups USING gin ((name || ' ' || description) gin_trgm_ops);
CREATE INDEX groups_owner ON social.groups (owner_id);

CREATE TABLE social.members (
  group_id   uuid NOT NULL REFERENCES social.groups ON DELETE CASCADE,
  user_id    uuid NOT NULL,
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  joined_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX members_user ON social.members (user_id);
-- Member pages (oldest first) and the oldest admin or member an orphaned
-- group passes to.
CREATE INDEX members_joined ON social.members (group_id, joined_at, user_id);

CREATE TABLE social.bans (
  group_id   uuid NOT NULL REFERENCES social.groups ON DELETE CASCADE,
  user_id    uuid NOT NULL,
  banned_by  uuid NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);

-- Requests to join a private group, until approved or rejected.
CREATE TABLE social.join_requests (
  group_id   uuid NOT NULL REFERENCES social.groups ON DELETE CASCADE,
  user_id    uuid NOT NULL,
  message    text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX join_requests_page ON social.join_requests (group_id, created_at, user_id);

-- Invitation links: the token is shown once, kept as its SHA-256.
CREATE TABLE social.invites (
  id          uuid PRIMARY KEY,
  group_id    uuid NOT NULL REFERENCES social.groups ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  created_by  uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  max_uses    int,                               -- null: any number
  uses        int NOT NULL DEFAULT 0
);
CREATE INDEX invites_group ON social.invites (group_id, id);

-- The names read model, fed by evt.client.user.registered,
-- evt.client.profile.updated and evt.client.user.deleted.
CREATE TABLE social.users (
  user_id       uuid PRIMARY KEY,
  display_name  text NOT NULL DEFAULT '',
  deleted       bool NOT NULL DEFAULT false,
  updated_at    timestamptz NOT NULL DEFAULT '-infinity'  -- of the newest profile applied
);

-- The order of membership events (evt.social.member.*, group.deleted):
-- their seq, so a read model applies each membership's newest fact and
-- ignores an older one redelivered late.
CREATE SEQUENCE social.membership_seq;

-- +goose Down
DROP SEQUENCE social.membership_seq;
DROP TABLE social.users;
DROP TABLE social.invites;
DROP TABLE social.join_requests;
DROP TABLE social.bans;
DROP TABLE social.members;
DROP TABLE social.groups;
