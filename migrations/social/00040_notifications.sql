-- Notifications (issue 13): what a member's groups hear of their personal
-- records (and, with issue 14, achievements and completed challenges), the
-- inbox, mutes, settings and push device tokens.
--
-- A notification is one row of notif_events (its id, kind, actor and the
-- kind's data, written once per source event) and one inbox row per
-- recipient. Together they hold the key (recipient, source event, kind)
-- unique: notif_events is unique on (kind, source_key), the inbox on
-- (recipient_id, notif_id), so a redelivered event, or the same fact
-- published again under another message id, reaches nobody twice.

-- +goose Up
CREATE TABLE social.notif_events (
  id          uuid PRIMARY KEY,            -- UUIDv7: the notification's id, newest first
  kind        text NOT NULL,               -- record, achievement, challenge_completed
  source_key  text NOT NULL,               -- the fact it tells of (record: the session id)
  actor_id    uuid NOT NULL,               -- whose fact it is
  data        jsonb NOT NULL,              -- the kind's details, as shown
  created_at  timestamptz NOT NULL,
  UNIQUE (kind, source_key)
);
CREATE INDEX notif_events_actor ON social.notif_events (actor_id);
CREATE INDEX notif_events_created ON social.notif_events (created_at);

-- The inbox: one row per recipient of a notification. Newest first is the
-- primary key read backwards (ids are UUIDv7).
CREATE TABLE social.notifications (
  recipient_id uuid NOT NULL,
  notif_id     uuid NOT NULL,
  read_at      timestamptz,
  PRIMARY KEY (recipient_id, notif_id)
);
CREATE INDEX notifications_unread ON social.notifications (recipient_id) WHERE read_at IS NULL;
-- A notification's recipients (the relay, deleted accounts, the sweep):
-- rows come in id order (UUIDv7), so a BRIN index finds them at a fraction
-- of a B-tree's cost per inserted row.
CREATE INDEX notifications_event ON social.notifications USING brin (notif_id) WITH (pages_per_range = 8);

-- Notifications whose NOTIFY messages and pushes are not sent yet: written
-- in the fan-out's transaction, deleted by the relay once JetStream
-- acknowledged every message (Nats-Msg-Id <notification>.<recipient>, so a
-- second round after a crash is dropped as a duplicate).
CREATE TABLE social.notif_outbox (
  notif_id    uuid PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- +goose StatementBegin
CREATE FUNCTION social.notify_notif_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('social_notif_outbox', '');
  RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER notif_outbox_notify
  AFTER INSERT ON social.notif_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION social.notify_notif_outbox();

-- Groups a member muted: none of their notifications come through that group.
CREATE TABLE social.group_mutes (
  user_id   uuid NOT NULL,
  group_id  uuid NOT NULL,
  muted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, group_id)
);

-- A user's settings: muted kinds, push, quiet hours (minutes after local
-- midnight; start > end spans midnight) and the time zone (from the client
-- module's profile events, time_zone_at the newest applied).
CREATE TABLE social.notif_settings (
  user_id       uuid PRIMARY KEY,
  muted_kinds   text[] NOT NULL DEFAULT '{}',
  push_enabled  bool NOT NULL DEFAULT true,
  quiet_start   smallint CHECK (quiet_start BETWEEN 0 AND 1439),
  quiet_end     smallint CHECK (quiet_end BETWEEN 0 AND 1439),
  time_zone     text NOT NULL DEFAULT 'UTC',
  time_zone_at  timestamptz NOT NULL DEFAULT '-infinity',
  CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

-- Phones' push device tokens (APNs, FCM). A token belongs to one device,
-- so to one user: registering it again moves it to the caller.
CREATE TABLE social.push_tokens (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  platform    text NOT NULL CHECK (platform IN ('apns', 'fcm')),
  token       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (platform, token)
);
CREATE INDEX push_tokens_user ON social.push_tokens (user_id, id);

-- +goose Down
DROP TABLE social.push_tokens;
DROP TABLE social.notif_settings;
DROP TABLE social.group_mutes;
DROP TABLE social.notif_outbox;
DROP FUNCTION social.notify_notif_outbox();
DROP TABLE social.notifications;
DROP TABLE social.notif_events;
