-- Points without a position (issue 12, indoor sessions): a treadmill run, a
-- trainer ride, a pool swim or a strength session sends time, heart rate,
-- power, cadence, speed and the device's own distance, but no latitude or
-- longitude. pos becomes nullable (no index is built on it: the table's
-- only index is its key (session_id, t), which stays), and dist holds the
-- device's cumulative distance in metres (a footpod's, a trainer's, a
-- treadmill's, a pool's lengths) when it gives one. Both changes only touch
-- the catalogue: stored rows are not rewritten.

-- +goose Up
ALTER TABLE training.points
  ALTER COLUMN pos DROP NOT NULL,
  ADD COLUMN dist double precision;

-- +goose Down
-- Points without a position cannot be kept by the older schema.
DELETE FROM training.points WHERE pos IS NULL;
ALTER TABLE training.points
  DROP COLUMN dist,
  ALTER COLUMN pos SET NOT NULL;
