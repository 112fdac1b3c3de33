-- The notification fan-out writes one inbox row per recipient (thousands
-- at a time); each index on social.notifications is a random write per row.
-- The partial index of unread rows cost a fifth of the fan-out's insert
-- (measured: 9,980 rows into a 200,000-row inbox, 99 → 80 ms median under
-- load), and a user's unread rows are found as fast through the primary
-- key (recipient_id, notif_id): a user's inbox is hundreds of rows (90
-- days), read with the heap's read_at.

-- +goose Up
DROP INDEX social.notifications_unread;

-- +goose Down
CREATE INDEX notifications_unread ON social.notifications (recipient_id) WHERE read_at IS NULL;
