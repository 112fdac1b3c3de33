package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// SystemSender is the sender of system messages in a group's chat (the
// nil UUID: no user).
var SystemSender = uuid.Nil

// PostSystemMessages posts body as a system message (sender SystemSender,
// transaction id txn) in the chat of every group user is a member of, in
// group id order (each group's message counter stays locked until tx
// commits), with a message.created delivery for chat.<group>
// (SystemChatDeliveries finds them). A group that has the message with txn already
// gets none. It returns how many it posted.
func PostSystemMessages(ctx context.Context, tx pgx.Tx, user uuid.UUID, txn, body string) (int, error) {
	rows, err := tx.Query(ctx, `SELECT group_id FROM social.members WHERE user_id = $1 ORDER BY group_id`, user)
	if err != nil {
		return 0, fmt.Errorf("store: system messages: %w", err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, fmt.Errorf("store: system messages: %w", err)
	}
	posted := 0
	for _, g := range groups {
		delivery, err := uuid.NewV7()
		if err != nil {
			return posted, fmt.Errorf("store: system messages: %w", err)
		}
		tag, err := tx.Exec(ctx, `
WITH n AS (
  INSERT INTO social.chat_groups AS c (group_id, last_id)
  SELECT $1, 1 WHERE NOT EXISTS (SELECT 1 FROM social.messages WHERE group_id = $1 AND sender_id = $2 AND txn_id = $3)
  ON CONFLICT (group_id) DO UPDATE SET last_id = c.last_id + 1
  RETURNING last_id),
m AS (
  INSERT INTO social.messages (group_id, id, sender_id, txn_id, body)
  SELECT $1, n.last_id, $2, $3, $4 FROM n
  RETURNING group_id, id)
INSERT INTO social.chat_deliveries (id, group_id, message_id, kind) SELECT $5, group_id, id, 'message.created' FROM m`,
			g, SystemSender, txn, body, delivery)
		if err != nil {
			return posted, fmt.Errorf("store: system message in %s: %w", g, err)
		}
		posted += int(tag.RowsAffected())
	}
	return posted, nil
}

// DisplayName is user's name in the names read model ("" when not known
// or deleted).
func DisplayName(ctx context.Context, q Querier, user uuid.UUID) (string, error) {
	var name string
	err := q.QueryRow(ctx, `SELECT coalesce((SELECT display_name FROM social.users WHERE user_id = $1 AND NOT deleted), '')`, user).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("store: display name: %w", err)
	}
	return name, nil
}

// TombstoneSystemMessages deletes (as tombstones, their reactions gone,
// with a message.deleted delivery each) the system messages that told of
// user's facts: a deleted account's records leave the chats too.
func TombstoneSystemMessages(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	_, err := tx.Exec(ctx, `
WITH t AS (
  SELECT kind || ':' || source_key AS txn FROM social.notif_events WHERE actor_id = $1),
m AS (
  UPDATE social.messages SET body = '', deleted_at = now(), deleted_by = $2
  WHERE sender_id = $2 AND txn_id IN (SELECT txn FROM t) AND deleted_at IS NULL
  RETURNING group_id, id),
r AS (
  DELETE FROM social.message_reactions x USING m WHERE x.group_id = m.group_id AND x.message_id = m.id)
INSERT INTO social.chat_deliveries (id, group_id, message_id, kind)
SELECT gen_random_uuid(), group_id, id, 'message.deleted' FROM m`, user, SystemSender)
	if err != nil {
		return fmt.Errorf("store: tombstone system messages: %w", err)
	}
	return nil
}
