-- How each watcher was let in (the owner, a public session, the share
-- link), so that a change takes the grant from exactly those no longer
-- entitled: making a session private removes those let in because it was
-- public, a new or revoked link those who came with the old one.

-- +goose Up
ALTER TABLE training.watchers ADD COLUMN via text NOT NULL DEFAULT 'link' CHECK (via IN ('owner', 'public', 'link'));

-- +goose Down
ALTER TABLE training.watchers DROP COLUMN via;
