-- Live figures of open sessions, share links and watchers for live
-- tracking, routes of finished sessions, and the fingerprint of imported
-- files.

-- +goose Up
ALTER TABLE training.sessions
  ADD COLUMN live              jsonb,   -- running figures while the session is open (stats.Live)
  ADD COLUMN share_token_hash  bytea,   -- SHA-256 of the live-tracking share token, when shared
  ADD COLUMN source_sha256     bytea,   -- SHA-256 of the imported file (uncompressed), when imported
  ADD COLUMN source_format     text;
CREATE UNIQUE INDEX sessions_source ON training.sessions (user_id, source_sha256) WHERE source_sha256 IS NOT NULL;

-- Who watches which open session live (the owner's other devices, anyone
-- allowed by the session's visibility or holding its share link).
CREATE TABLE training.watchers (
  session_id  uuid NOT NULL REFERENCES training.sessions ON DELETE CASCADE,
  user_id     uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, user_id)
);
CREATE INDEX watchers_user ON training.watchers (user_id);

-- The route of a finished session: every point, a simplified line for
-- maps, and the same as a Google encoded polyline.
CREATE TABLE training.routes (
  session_id  uuid PRIMARY KEY REFERENCES training.sessions ON DELETE CASCADE,
  path        geography(LineString, 4326) NOT NULL,
  simplified  geography(LineString, 4326) NOT NULL,
  polyline    text NOT NULL
);
CREATE INDEX routes_path ON training.routes USING gist (path);

-- +goose Down
DROP TABLE training.routes;
DROP TABLE training.watchers;
DROP INDEX training.sessions_source;
ALTER TABLE training.sessions DROP COLUMN live, DROP COLUMN share_token_hash, DROP COLUMN source_sha256, DROP COLUMN source_format;
