-- Ingest updates the live figures and last point time of every session of
-- every batch. With last_point_at indexed, each such update wrote every
-- index of the table; now no index covers a column the ingest changes and
-- pages keep room, so the updates are HOT (heap-only) and touch no index.
-- The index of open sessions serves the idle sweep and the real-time
-- grants by user instead.

-- +goose Up
DROP INDEX training.sessions_open;
CREATE INDEX sessions_open ON training.sessions (user_id) WHERE state IN ('active', 'paused');
ALTER TABLE training.sessions SET (fillfactor = 70);

-- +goose Down
ALTER TABLE training.sessions RESET (fillfactor);
DROP INDEX training.sessions_open;
CREATE INDEX sessions_open ON training.sessions (last_point_at) WHERE state IN ('active', 'paused');
