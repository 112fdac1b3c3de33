-- Read models from the client module's events, so that training refuses
-- what it must not take: another user's gear on a session, and new data
-- for an account that was deleted (whose unexpired token may still come).

-- +goose Up
-- Who owns which gear (evt.client.gear.created/updated/deleted).
CREATE TABLE training.gear (
  gear_id  uuid PRIMARY KEY,
  user_id  uuid NOT NULL,
  deleted  boolean NOT NULL DEFAULT false
);
CREATE INDEX gear_user ON training.gear (user_id);

-- Accounts deleted (evt.client.user.deleted), after their data was erased.
CREATE TABLE training.deleted_users (
  user_id     uuid PRIMARY KEY,
  deleted_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE training.deleted_users;
DROP TABLE training.gear;
