-- Achievements in the feed: a card per achievement a session unlocked
-- (from the gamification module's evt.gamification.achievement.unlocked),
-- with the session card's sport, title and visibility (private until that
-- card is known), gone with the session.

-- +goose Up
ALTER TABLE social.feed_items DROP CONSTRAINT feed_items_kind_check;
ALTER TABLE social.feed_items ADD CONSTRAINT feed_items_kind_check CHECK (kind IN ('session', 'records', 'achievement'));
ALTER TABLE social.feed_items ADD COLUMN achievement jsonb;

-- +goose Down
DELETE FROM social.feed_items WHERE kind = 'achievement';
ALTER TABLE social.feed_items DROP COLUMN achievement;
ALTER TABLE social.feed_items DROP CONSTRAINT feed_items_kind_check;
ALTER TABLE social.feed_items ADD CONSTRAINT feed_items_kind_check CHECK (kind IN ('session', 'records'));
