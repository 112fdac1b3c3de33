-- Accounts, their credentials and sessions (refresh-token families), the
-- access-token signing keys, and login throttling.

-- +goose Up
CREATE TABLE client.users (
  id              uuid PRIMARY KEY,
  email           text NOT NULL,              -- normalised: trimmed, lower case
  password_hash   text NOT NULL,              -- argon2id PHC string
  role            text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  first_name      text NOT NULL DEFAULT '',
  last_name       text NOT NULL DEFAULT '',
  birth_date      date,
  country         text CHECK (country ~ '^[A-Z]{2}$'),
  language        text NOT NULL DEFAULT 'en',
  units           text NOT NULL DEFAULT 'metric' CHECK (units IN ('metric', 'imperial')),
  time_zone       text NOT NULL DEFAULT 'UTC',
  sex             text CHECK (sex IN ('female', 'male', 'other')),
  weight_kg       double precision,
  height_cm       double precision,
  resting_hr_bpm  integer,
  max_hr_bpm      integer,
  privacy         jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON client.users (email);

-- A family is one login on one device; every refresh rotates the token
-- inside the family. A reused (already rotated) token revokes the family.
CREATE TABLE client.refresh_tokens (
  token_hash   bytea PRIMARY KEY,               -- sha256 of the token
  family_id    uuid NOT NULL,
  user_id      uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  rotated_at   timestamptz,                     -- set when exchanged for a newer one
  revoked_at   timestamptz
);
CREATE INDEX refresh_tokens_family ON client.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON client.refresh_tokens (user_id);

-- Ed25519 keys that sign access tokens. The private key is sealed with the
-- module's key-encryption key (kept outside the database).
CREATE TABLE client.signing_keys (
  id           text PRIMARY KEY,
  sealed_key   bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  retired_at   timestamptz
);

-- Failed logins per key ("acct:<email>" or "ip:<address>") in a sliding
-- window, and the lock they earned.
CREATE TABLE client.login_failures (
  key           text PRIMARY KEY,
  failures      integer NOT NULL,
  window_start  timestamptz NOT NULL,
  locked_until  timestamptz
);

-- +goose Down
DROP TABLE client.login_failures;
DROP TABLE client.signing_keys;
DROP TABLE client.refresh_tokens;
DROP TABLE client.users;
