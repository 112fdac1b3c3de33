-- Reports (issue 13): a user reports another user, in a group (its owner
-- and admins see and resolve it) or not (kept for the operators), or a
-- message of a group's chat (its sender is the user reported; the text
-- is kept as it was when reported). A reporter has at most one open
-- report of a user per group and message: reporting again answers the
-- open one.

-- +goose Up
CREATE TABLE social.reports (
  id           uuid PRIMARY KEY,                 -- UUIDv7
  reporter_id  uuid NOT NULL,
  user_id      uuid NOT NULL,                    -- the reported user
  group_id     uuid REFERENCES social.groups ON DELETE CASCADE,
  message_id   bigint,                           -- a message of the group's chat (social.messages.id)
  message_text text,                             -- its text when it was reported
  reason       text NOT NULL CHECK (reason IN ('spam', 'harassment', 'hate', 'violence', 'sexual_content', 'impersonation', 'self_harm', 'other')),
  text         text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  resolution   text CHECK (resolution IN ('dismissed', 'actioned')),
  note         text NOT NULL DEFAULT '',
  resolved_by  uuid,
  resolved_at  timestamptz,
  CHECK (reporter_id <> user_id),
  CHECK (message_id IS NULL OR group_id IS NOT NULL)
);
CREATE UNIQUE INDEX reports_open ON social.reports (reporter_id, user_id, coalesce(group_id, '00000000-0000-0000-0000-000000000000'),
  coalesce(message_id, 0)) WHERE status = 'open';
CREATE INDEX reports_group ON social.reports (group_id, status, created_at DESC, id DESC) WHERE group_id IS NOT NULL;
CREATE INDEX reports_user ON social.reports (user_id);
CREATE INDEX reports_reporter ON social.reports (reporter_id);

-- +goose Down
DROP TABLE social.reports;
