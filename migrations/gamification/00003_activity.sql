-- What gamification knows of users, groups and sessions: read models fed by
-- the client, social and training modules' events (package
-- modules/gamification/internal/activity). Every feature of the module
-- (achievements, challenges, leaderboards) reads them.

-- +goose Up
-- Users: names, country, time zone (days and weeks of streaks are the
-- user's) and the leaderboards' opt-out, from evt.client.user.registered
-- and evt.client.profile.updated; a row is kept only if its event is newer
-- (updated_at) than the one applied. Erased on evt.client.user.deleted.
CREATE TABLE gamification.users (
  user_id              uuid PRIMARY KEY,
  display_name         text NOT NULL DEFAULT '',
  country              text,                         -- ISO 3166-1 alpha-2, NULL: unknown
  time_zone            text NOT NULL DEFAULT 'UTC',  -- IANA
  show_in_leaderboards boolean NOT NULL DEFAULT true,
  updated_at           timestamptz NOT NULL
);

-- Deleted accounts: a late event of theirs (a session, a profile) is not
-- applied again. The id only, nothing personal.
CREATE TABLE gamification.erased_users (
  user_id   uuid PRIMARY KEY,
  erased_at timestamptz NOT NULL
);

-- Group memberships (current members only), from social's member events;
-- seq is social's membership seq of the fact kept.
CREATE TABLE gamification.group_members (
  group_id uuid NOT NULL,
  user_id  uuid NOT NULL,
  role     text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  seq      bigint NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON gamification.group_members (user_id);

-- Memberships that ended (left, removed, banned), with the seq of that
-- fact: an older joined redelivered late does not bring them back.
CREATE TABLE gamification.left_members (
  group_id uuid NOT NULL,
  user_id  uuid NOT NULL,
  seq      bigint NOT NULL,
  PRIMARY KEY (group_id, user_id)
);

-- Closed groups: no membership of theirs is applied again.
CREATE TABLE gamification.closed_groups (
  group_id uuid PRIMARY KEY,
  seq      bigint NOT NULL
);

-- Finished sessions as training's last applied event describes them (one
-- row per live session; a deleted session has none).
CREATE TABLE gamification.sessions (
  id                 uuid PRIMARY KEY,
  user_id            uuid NOT NULL,
  sport              text NOT NULL,
  started_at         timestamptz NOT NULL,
  completed_at       timestamptz NOT NULL,
  distance_m         double precision NOT NULL,
  moving_time_s      double precision NOT NULL,
  elapsed_time_s     double precision NOT NULL,
  elevation_gain_m   double precision NOT NULL,
  strength_volume_kg double precision NOT NULL,
  plausible          boolean NOT NULL,
  best_efforts       jsonb NOT NULL DEFAULT '{}',  -- training's best effort name ("5k") -> elapsed seconds
  revision           bigint NOT NULL
);
CREATE INDEX sessions_user ON gamification.sessions (user_id, started_at);

-- The revision of the last event applied of every session ever seen,
-- deleted ones too: the gate that drops late and out-of-order events, and
-- the row a batch locks while it applies a session's event.
CREATE TABLE gamification.session_revisions (
  session_id uuid PRIMARY KEY,
  user_id    uuid NOT NULL,
  revision   bigint NOT NULL
);
CREATE INDEX session_revisions_user ON gamification.session_revisions (user_id);

-- +goose Down
DROP TABLE gamification.session_revisions;
DROP TABLE gamification.sessions;
DROP TABLE gamification.closed_groups;
DROP TABLE gamification.left_members;
DROP TABLE gamification.group_members;
DROP TABLE gamification.erased_users;
DROP TABLE gamification.users;
