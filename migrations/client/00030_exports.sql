-- Data exports (issue 17, GDPR Art. 20): a user's archive of everything
-- the modules hold of them. One row per export is its job: any client
-- process claims a pending one (or a running one whose lease ran out: its
-- process died), builds the archive again from the start, and stores it
-- in export_parts, 1 MiB each. Seven days after it is ready the parts are
-- deleted and the row says expired. Deleting the account deletes both.

-- +goose Up
CREATE TABLE client.exports (
  id            uuid PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES client.users ON DELETE CASCADE,
  state         text NOT NULL CHECK (state IN ('pending', 'running', 'ready', 'failed', 'expired')),
  requested_at  timestamptz NOT NULL,
  attempts      int NOT NULL DEFAULT 0,   -- builds started (a crash leaves one unfinished)
  lease_until   timestamptz,              -- running: the builder's hold; past it, another process takes over
  ready_at      timestamptz,
  expires_at    timestamptz,
  size_bytes    bigint,
  parts         int,
  sha256        bytea,
  error         text                      -- failed: why, as the user may read it
);
-- One export at a time per user.
CREATE UNIQUE INDEX exports_one_open ON client.exports (user_id) WHERE state IN ('pending', 'running');
CREATE INDEX exports_user ON client.exports (user_id, requested_at DESC);
CREATE INDEX exports_todo ON client.exports (requested_at) WHERE state IN ('pending', 'running');
CREATE INDEX exports_expiry ON client.exports (expires_at) WHERE state = 'ready';

CREATE TABLE client.export_parts (
  export_id  uuid NOT NULL REFERENCES client.exports ON DELETE CASCADE,
  seq        int NOT NULL,
  data       bytea NOT NULL,
  PRIMARY KEY (export_id, seq)
);
-- The archive is deflated already.
ALTER TABLE client.export_parts ALTER COLUMN data SET STORAGE EXTERNAL;

-- +goose Down
DROP TABLE client.export_parts;
DROP TABLE client.exports;
