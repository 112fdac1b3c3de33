-- Group chat (issue 13): messages with ids per group (1, 2, 3, … in the
-- order they were committed), client transaction ids, replies, edits and
-- tombstones, reactions, read markers; and the grants-changed event the
-- client module's auth callout listens to, written by triggers whenever
-- membership changes, whichever use case changed it.

-- +goose Up
-- The last message id of each group. Taking the next id locks the group's
-- row until the message commits, so ids are committed in order: a reader
-- that saw message n never later finds a message below n it did not see.
CREATE TABLE social.chat_groups (
  group_id  uuid PRIMARY KEY REFERENCES social.groups ON DELETE CASCADE,
  last_id   bigint NOT NULL DEFAULT 0
);

CREATE TABLE social.messages (
  group_id    uuid NOT NULL REFERENCES social.groups ON DELETE CASCADE,
  id          bigint NOT NULL,                   -- 1, 2, 3, … within the group
  sender_id   uuid NOT NULL,
  txn_id      text,                              -- the client's transaction id, when it gave one
  body        text NOT NULL,                     -- '' once deleted (a tombstone)
  reply_to    bigint,
  created_at  timestamptz NOT NULL DEFAULT now(),
  edited_at   timestamptz,
  deleted_at  timestamptz,
  deleted_by  uuid,
  PRIMARY KEY (group_id, id),
  -- A reply is to an earlier message of the same group.
  FOREIGN KEY (group_id, reply_to) REFERENCES social.messages (group_id, id),
  CONSTRAINT messages_reply_earlier CHECK (reply_to < id)
);
-- A deleted account's messages are erased (store.EraseChatUser).
CREATE INDEX messages_sender ON social.messages (sender_id) WHERE deleted_at IS NULL;
-- A retry with the same transaction id finds the first message.
CREATE UNIQUE INDEX messages_txn ON social.messages (group_id, sender_id, txn_id) WHERE txn_id IS NOT NULL;

CREATE TABLE social.message_reactions (
  group_id    uuid NOT NULL,
  message_id  bigint NOT NULL,
  emoji       text NOT NULL,
  user_id     uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, message_id, emoji, user_id),
  FOREIGN KEY (group_id, message_id) REFERENCES social.messages ON DELETE CASCADE
);

-- Where each member has read up to (kept when they leave: a member who
-- comes back finds their place).
CREATE TABLE social.read_markers (
  user_id       uuid NOT NULL,
  group_id      uuid NOT NULL REFERENCES social.groups ON DELETE CASCADE,
  last_read_id  bigint NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, group_id)
);

-- What chat.<group> (stream CHAT) is still to be told: written in the
-- transaction that changed the chat, published at once after the commit
-- and then deleted; a row left by a crash or a failed publish is published
-- by the sweep after a few seconds, made from the message as it is then
-- (Nats-Msg-Id = id, so JetStream keeps one copy). Not social.outbox: its
-- relay wakes on every insert and would race the publish after the commit,
-- and members online would get each message twice.
CREATE TABLE social.chat_deliveries (
  id          uuid PRIMARY KEY,
  group_id    uuid NOT NULL,
  message_id  bigint NOT NULL,
  kind        text NOT NULL,      -- api.ChatEvent's kind
  emoji       text,               -- reactions: which
  user_id     uuid,               -- reactions: whose
  created_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (group_id, message_id) REFERENCES social.messages ON DELETE CASCADE
);
CREATE INDEX chat_deliveries_created ON social.chat_deliveries (created_at);

-- evt.social.realtime.grants_changed {"user_ids": [...]} for everyone who
-- joined or stopped being a member (left, removed, banned, the group
-- deleted) in one statement (1,000 users an event at most), through the
-- outbox: the callout closes their app connections, which reconnect with
-- chat.<group> granted or not.
-- +goose StatementBegin
CREATE FUNCTION social.chat_grants_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  users uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- A new member has read what was said before they came (a member who
    -- comes back keeps their old place).
    INSERT INTO social.read_markers (user_id, group_id, last_read_id)
    SELECT n.user_id, n.group_id, COALESCE(c.last_id, 0)
      FROM changed_new n LEFT JOIN social.chat_groups c ON c.group_id = n.group_id
    ON CONFLICT (user_id, group_id) DO NOTHING;
    SELECT array_agg(DISTINCT user_id) INTO users FROM changed_new;
  ELSE
    SELECT array_agg(DISTINCT user_id) INTO users FROM changed_old;
  END IF;
  -- 1,000 users an event at most: a closed club of 100,000 members is 100
  -- events, each well under the stream's largest message.
  INSERT INTO social.outbox (id, subject, payload)
  SELECT gen_random_uuid(), 'evt.social.realtime.grants_changed',
         convert_to(jsonb_build_object('user_ids', jsonb_agg(u))::text, 'UTF8')
    FROM unnest(users) WITH ORDINALITY AS x(u, n)
   GROUP BY (n - 1) / 1000;
  RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER members_joined_grants AFTER INSERT ON social.members
  REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION social.chat_grants_changed();
CREATE TRIGGER members_left_grants AFTER DELETE ON social.members
  REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION social.chat_grants_changed();

-- +goose Down
DROP TRIGGER members_left_grants ON social.members;
DROP TRIGGER members_joined_grants ON social.members;
DROP FUNCTION social.chat_grants_changed();
DROP TABLE social.chat_deliveries;
DROP TABLE social.read_markers;
DROP TABLE social.message_reactions;
DROP TABLE social.messages;
DROP TABLE social.chat_groups;
