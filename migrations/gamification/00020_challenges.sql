-- Challenges (issue 14): individual and team challenges, their participants,
-- what each session contributed to each participant (so that an edited or
-- deleted session takes exactly its contribution back) and their teams.
-- A leaderboard is read from participants' score (higher ranks first: a
-- fastest effort's time is negated) with an index per challenge, so that
-- a challenge of 100,000 participants pages and counts ranks by index.

-- +goose Up
CREATE TABLE gamification.challenges (
  id           uuid PRIMARY KEY,                       -- UUIDv7
  title        text NOT NULL,
  description  text NOT NULL DEFAULT '',
  kind         text NOT NULL CHECK (kind IN ('most_activity', 'group_goal', 'fastest_effort', 'longest_session')),
  metric       text NOT NULL DEFAULT '',               -- '' for fastest_effort
  effort       text NOT NULL DEFAULT '',               -- fastest_effort only
  aggregate    text NOT NULL CHECK (aggregate IN ('sum', 'days', 'min', 'max')),
  team_aggregate text NOT NULL CHECK (team_aggregate IN ('sum', 'min', 'max')),
  target       double precision,
  sport        text NOT NULL DEFAULT '',               -- '' = every sport
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz NOT NULL,
  group_id     uuid,                                   -- NULL: a global challenge
  team_mode    text NOT NULL CHECK (team_mode IN ('none', 'groups', 'teams')),
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  participants int NOT NULL DEFAULT 0,
  ranked       int NOT NULL DEFAULT 0,                 -- participants with a value (on the leaderboard)
  total        double precision NOT NULL DEFAULT 0,    -- group_goal: everyone's total
  completed_at timestamptz,                            -- group_goal reached
  ended_at     timestamptz,                            -- the end sweep ranked and closed it
  CHECK (ends_at > starts_at)
);
CREATE INDEX challenges_active ON gamification.challenges (ends_at, id) WHERE completed_at IS NULL;
CREATE INDEX challenges_upcoming ON gamification.challenges (starts_at, id);
-- The end sweep: challenges whose end passed and which it has not closed.
CREATE INDEX challenges_to_end ON gamification.challenges (ends_at) WHERE ended_at IS NULL;

-- The groups a challenge belongs to (its group, and a group-vs-group
-- challenge's teams): who sees it.
CREATE TABLE gamification.challenge_groups (
  challenge_id uuid NOT NULL REFERENCES gamification.challenges ON DELETE CASCADE,
  group_id     uuid NOT NULL,
  PRIMARY KEY (challenge_id, group_id)
);
CREATE INDEX challenge_groups_group ON gamification.challenge_groups (group_id);

CREATE TABLE gamification.challenge_teams (
  challenge_id uuid NOT NULL REFERENCES gamification.challenges ON DELETE CASCADE,
  team_id      uuid NOT NULL,                          -- the group's id for team_mode groups
  position     int NOT NULL,                           -- the order the teams were named in
  name         text NOT NULL,
  group_id     uuid,                                   -- team_mode groups
  members      int NOT NULL DEFAULT 0,
  value        double precision,                       -- NULL until a member has a value
  score        double precision,
  PRIMARY KEY (challenge_id, team_id),
  UNIQUE (challenge_id, position)
);

CREATE TABLE gamification.challenge_participants (
  challenge_id uuid NOT NULL REFERENCES gamification.challenges ON DELETE CASCADE,
  user_id      uuid NOT NULL,
  team_id      uuid,
  joined_at    timestamptz NOT NULL,
  value        double precision,                       -- NULL until a session counted
  score        double precision,                       -- value, negated when lower is better
  counted      int NOT NULL DEFAULT 0,                 -- totals: sessions counted (value NULL at 0)
  completed_at timestamptz,                            -- its completed event was written
  PRIMARY KEY (challenge_id, user_id)
);
-- The applier finds a user's challenges; "mine" lists them.
CREATE INDEX challenge_participants_user ON gamification.challenge_participants (user_id);
-- Leaderboard pages and rank counts: (challenge, score desc, user).
CREATE INDEX challenge_participants_board ON gamification.challenge_participants
  (challenge_id, score DESC, user_id DESC) WHERE score IS NOT NULL;
CREATE INDEX challenge_participants_team ON gamification.challenge_participants (challenge_id, team_id)
  WHERE team_id IS NOT NULL;

-- What one session contributed to one participant of a challenge that
-- needs them (a fastest effort, a longest session, active days: a
-- deletion may take the best or a day's only session away), only
-- sessions that count; day is the session's date in the participant's
-- time zone. Totals need none: the applier adds the difference between a
-- session's new and old contributions (activity.Change's Old and New). No
-- foreign key (a check per row would cost the applier a lookup per
-- contribution): leaving and erasure delete them in the same transaction
-- (challenges are never deleted).
CREATE TABLE gamification.challenge_contributions (
  challenge_id uuid NOT NULL,
  user_id      uuid NOT NULL,
  session_id   uuid NOT NULL,
  value        double precision NOT NULL,
  day          date NOT NULL,
  PRIMARY KEY (challenge_id, user_id, session_id)
);

-- +goose Down
DROP TABLE gamification.challenge_contributions;
DROP TABLE gamification.challenge_participants;
DROP TABLE gamification.challenge_teams;
DROP TABLE gamification.challenge_groups;
DROP TABLE gamification.challenges;
