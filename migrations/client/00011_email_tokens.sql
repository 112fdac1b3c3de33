-- Email verification, email change and password reset.
--
-- users.email_verified_at: when the account proved it reads its address
-- (a verification link, an email change's link, or a password reset
-- through a link sent there); NULL: not yet.
--
-- email_tokens: the links' single-use tokens, by the SHA-256 of the token
-- (the token itself is only in the mail): purpose password_reset (email:
-- the address it was sent to), verify_email (the address to verify) or
-- change_email (the new address). used_at is set when a link was used, or
-- when a newer action made it void (a reset voids the other reset links).
--
-- password_reset_requests: POST /v1/auth/password-reset writes the
-- requested address here and answers 202 at once, the same work for an
-- address with or without an account; the module looks the account up
-- afterwards and mails a link only to a real one.

-- +goose Up
ALTER TABLE client.users ADD COLUMN email_verified_at timestamptz;

CREATE TABLE client.email_tokens (
  token_hash bytea PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES client.users (id) ON DELETE CASCADE,
  purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'verify_email', 'change_email')),
  email      text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX email_tokens_user ON client.email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expires_at ON client.email_tokens (expires_at);

CREATE TABLE client.password_reset_requests (
  id           uuid PRIMARY KEY,
  email        text NOT NULL,
  requested_at timestamptz NOT NULL
);
CREATE INDEX password_reset_requests_requested_at ON client.password_reset_requests (requested_at);

-- +goose Down
DROP TABLE client.password_reset_requests;
DROP TABLE client.email_tokens;
ALTER TABLE client.users DROP COLUMN email_verified_at;
