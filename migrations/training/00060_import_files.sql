-- The original files of imported sessions, byte for byte as uploaded (GPX,
-- TCX or FIT, gzipped or not), kept for the user's data export (GDPR Art.
-- 20: rpc.training.export.source) and deleted with their session (and so
-- with the account). At most api.MaxImportBytes (25 MB) each; PostgreSQL
-- compresses and stores them out of line (TOAST).

-- +goose Up
CREATE TABLE training.import_files (
  session_id uuid PRIMARY KEY REFERENCES training.sessions ON DELETE CASCADE,
  format     text NOT NULL,               -- gpx, tcx or fit
  compressed boolean NOT NULL,            -- gzipped as uploaded
  data       bytea NOT NULL
);

-- +goose Down
DROP TABLE training.import_files;
