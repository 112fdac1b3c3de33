-- The user facts read model of the promo module (package
-- modules/promo/internal/facts): what promo knows of a user for targeting,
-- fed by the client, training and gamification events. Only facts the
-- user gave the platform and safe activity facts: never health data (heart
-- rates, weight, training load). Read through facts.Load only.

-- +goose Up

-- One row per user promo heard of (a registration or a profile event).
-- profile_updated_at orders the profile events: an older one never
-- overwrites a newer one.
CREATE TABLE promo.users (
  user_id            uuid PRIMARY KEY,
  registered_at      timestamptz,          -- null: only a profile event came yet
  birth_date         date,                 -- null: unknown
  country            text NOT NULL DEFAULT '',  -- ISO 3166-1 alpha-2, '' unknown
  language           text NOT NULL DEFAULT '',  -- BCP 47, as the profile has it
  profile_updated_at timestamptz            -- the last profile event applied
);

-- Marketing consent: promo is its system of record (GET/PUT
-- /v1/me/marketing). No row: personalised offers allowed (the user may
-- object at any time, GDPR Art. 21). Independent of promo.users: a user
-- may object before promo hears of the registration.
CREATE TABLE promo.consents (
  user_id             uuid PRIMARY KEY,
  personalised_offers boolean NOT NULL,
  updated_at          timestamptz NOT NULL
);

-- Finished sessions (training's events), kept 90 days after their start
-- (a periodic prune). revision orders a session's events (completed,
-- updated, deleted): a row is changed only by a higher revision; a deleted
-- session stays as a tombstone (deleted) so an older event that comes late
-- does not bring it back.
CREATE TABLE promo.user_sessions (
  session_id uuid PRIMARY KEY,
  user_id    uuid NOT NULL,
  sport      text NOT NULL,
  started_at timestamptz NOT NULL,
  revision   bigint NOT NULL,
  deleted    boolean NOT NULL DEFAULT false
);
CREATE INDEX user_sessions_user ON promo.user_sessions (user_id, started_at) WHERE NOT deleted;
CREATE INDEX user_sessions_started_at ON promo.user_sessions (started_at);

-- Gear (client's gear events). changed_at (the event's time) orders the
-- events of an item; a deleted item stays as a tombstone.
CREATE TABLE promo.user_gear (
  gear_id                 uuid PRIMARY KEY,
  user_id                 uuid NOT NULL,
  type                    text NOT NULL,
  distance_m              double precision NOT NULL,
  replacement_threshold_m double precision,
  retired                 boolean NOT NULL,
  deleted                 boolean NOT NULL DEFAULT false,
  changed_at              timestamptz NOT NULL
);
CREATE INDEX user_gear_user ON promo.user_gear (user_id) WHERE NOT deleted AND NOT retired;

-- Challenge participation (gamification's joined and left events): the
-- latest event of a user and challenge, by its time, wins.
CREATE TABLE promo.user_challenges (
  user_id      uuid NOT NULL,
  challenge_id uuid NOT NULL,
  joined       boolean NOT NULL,
  changed_at   timestamptz NOT NULL,
  PRIMARY KEY (user_id, challenge_id)
);

-- Users erased on evt.client.user.deleted: a late event of theirs is not
-- applied again.
CREATE TABLE promo.erased_users (
  user_id   uuid PRIMARY KEY,
  erased_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE promo.erased_users;
DROP TABLE promo.user_challenges;
DROP TABLE promo.user_gear;
DROP TABLE promo.user_sessions;
DROP TABLE promo.consents;
DROP TABLE promo.users;
