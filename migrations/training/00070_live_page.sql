-- The live-tracking page (/live/<share token>): the page finds a session by
-- the hash of its share token, and signs the watch credentials it hands out
-- with a key of the link (HMAC-SHA256), made on the first credential and
-- dropped with the link (a new link, or none, voids every credential of the
-- old one).

-- +goose Up
ALTER TABLE training.sessions ADD COLUMN share_key bytea;
CREATE INDEX sessions_share_token_hash ON training.sessions (share_token_hash) WHERE share_token_hash IS NOT NULL;

-- +goose Down
DROP INDEX training.sessions_share_token_hash;
ALTER TABLE training.sessions DROP COLUMN share_key;
