-- The running live figures of open sessions in a compact binary form
-- (stats.Live.MarshalBinary) instead of JSON: they are read and written
-- for every session of every ingest batch. Open sessions start their live
-- figures again from their next point; finishing recomputes everything
-- from the stored points, so nothing is lost.

-- +goose Up
ALTER TABLE training.sessions ALTER COLUMN live TYPE bytea USING NULL;

-- +goose Down
ALTER TABLE training.sessions ALTER COLUMN live TYPE jsonb USING NULL;
