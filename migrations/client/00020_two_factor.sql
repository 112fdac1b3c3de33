-- Two-factor sign-in (TOTP, RFC 6238): each account's secret, its
-- recovery codes, and the login challenges that wait for a second factor.

-- +goose Up
-- One row per account that started enrolment; enabled_at is set when a
-- code confirmed it. The secret is sealed (AES-256-GCM) with the module's
-- key-encryption key, bound to the user id. last_step is the RFC 6238
-- time step of the last code accepted: only later steps are accepted, so
-- no code works twice.
CREATE TABLE client.two_factor (
  user_id        uuid PRIMARY KEY REFERENCES client.users ON DELETE CASCADE,
  sealed_secret  bytea NOT NULL,
  created_at     timestamptz NOT NULL,
  enabled_at     timestamptz,
  last_step      bigint NOT NULL DEFAULT 0
);

-- Recovery codes: SHA-256 of 80-bit random codes (see auth.HashRecoveryCode);
-- a used one is deleted.
CREATE TABLE client.recovery_codes (
  user_id    uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  code_hash  bytea NOT NULL,
  PRIMARY KEY (user_id, code_hash)
);

-- A login whose password was right, waiting for the second factor: the
-- challenge token's SHA-256, the user it binds to, the device token the
-- password step presented when the account knows it (its throttling),
-- until when it is good and how many wrong codes it had.
CREATE TABLE client.login_challenges (
  token_hash   bytea PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  device_hash  bytea,
  expires_at   timestamptz NOT NULL,
  failures     integer NOT NULL DEFAULT 0
);
CREATE INDEX login_challenges_user ON client.login_challenges (user_id);
CREATE INDEX login_challenges_expires ON client.login_challenges (expires_at);

-- +goose Down
DROP TABLE client.login_challenges;
DROP TABLE client.recovery_codes;
DROP TABLE client.two_factor;
