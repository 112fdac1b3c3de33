package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Message is a stored chat message (social.messages) with its sender's
// display name (social.users, "" when unknown).
type Message struct {
	GroupID    uuid.UUID
	ID         int64
	SenderID   uuid.UUID
	SenderName string
	TxnID      *string
	Body       string
	ReplyTo    *int64
	CreatedAt  time.Time
	EditedAt   *time.Time
	DeletedAt  *time.Time
	DeletedBy  *uuid.UUID
}

// Reaction is one emoji on a message: how many used it, and whether the
// viewer did.
type Reaction struct {
	Emoji string
	Count int
	Me    bool
}

// ChatStanding is what chat needs to know of a user in a group.
type ChatStanding struct {
	// GroupExists is false for an unknown group (every other field is
	// then zero).
	GroupExists bool
	// Role is "owner", "admin" or "member"; "" when not a member.
	Role string
	// Banned: the user is banned from the group.
	Banned bool
	// LastID is the group's newest message id (0: none yet).
	LastID int64
}

const standingQuery = `
SELECT (SELECT role FROM social.members WHERE group_id = g.id AND user_id = $2),
       EXISTS (SELECT 1 FROM social.bans WHERE group_id = g.id AND user_id = $2),
       COALESCE((SELECT last_id FROM social.chat_groups WHERE group_id = g.id), 0)
  FROM social.groups g WHERE g.id = $1`

// ChatMembership reads user's standing in group in one query.
func ChatMembership(ctx context.Context, q Querier, group, user uuid.UUID) (ChatStanding, error) {
	return scanStanding(q.QueryRow(ctx, standingQuery, group, user))
}

func scanStanding(row pgx.Row) (ChatStanding, error) {
	var m ChatStanding
	var role *string
	err := row.Scan(&role, &m.Banned, &m.LastID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ChatStanding{}, nil
	case err != nil:
		return ChatStanding{}, fmt.Errorf("store: chat membership: %w", err)
	}
	m.GroupExists = true
	if role != nil {
		m.Role = *role
	}
	return m, nil
}

// MessageByTxn finds sender's message in group with the transaction id.
func MessageByTxn(ctx context.Context, q Querier, group, sender uuid.UUID, txn string) (Message, bool, error) {
	rows, err := q.Query(ctx, messageSelect+` WHERE m.group_id = $1 AND m.sender_id = $2 AND m.txn_id = $3`, group, sender, txn)
	return oneMessage(rows, err)
}

// MessageExists reports whether group has a message id.
func MessageExists(ctx context.Context, q Querier, group uuid.UUID, id int64) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM social.messages WHERE group_id = $1 AND id = $2)`, group, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: message exists: %w", err)
	}
	return ok, nil
}

// The errors of InsertMessage.
var (
	// ErrNoReplyTarget: the message replied to is not an earlier message
	// of the group.
	ErrNoReplyTarget = errors.New("store: no such message to reply to in the group")
	// ErrTxnTaken: the sender has a message in the group with the same
	// transaction id.
	ErrTxnTaken = errors.New("store: the transaction id has a message already")
	// ErrNotPosted: the sender is not a member of the group, is banned from
	// it, or there is no such group.
	ErrNotPosted = errors.New("store: not a member of the group")
)

// InsertMessage stores a new message of m.SenderID in m.GroupID (m.ID is
// ignored) in one statement, which is its own transaction: only if the
// sender is a member and not banned, it takes the group's next id (locking
// the group's counter row until the statement commits, so a group's
// messages commit in id order, and a failed statement leaves no gap),
// inserts the message, moves the sender's read marker to it and records
// its delivery (ChatDelivery deliveryID, kind message.created). Errors:
// ErrNotPosted, ErrTxnTaken, ErrNoReplyTarget.
func InsertMessage(ctx context.Context, q Querier, m Message, deliveryID uuid.UUID) (Message, error) {
	rows, err := q.Query(ctx, `
WITH n AS (
  INSERT INTO social.chat_groups AS c (group_id, last_id)
  SELECT $1, 1 WHERE EXISTS (SELECT 1 FROM social.members WHERE group_id = $1 AND user_id = $2)
                 AND NOT EXISTS (SELECT 1 FROM social.bans WHERE group_id = $1 AND user_id = $2)
  ON CONFLICT (group_id) DO UPDATE SET last_id = c.last_id + 1
  RETURNING last_id),
m AS (
  INSERT INTO social.messages (group_id, id, sender_id, txn_id, body, reply_to)
  SELECT $1, n.last_id, $2, $3, $4, $5 FROM n
  RETURNING *),
r AS (
  INSERT INTO social.read_markers AS r (user_id, group_id, last_read_id) SELECT sender_id, group_id, id FROM m
  ON CONFLICT (user_id, group_id) DO UPDATE SET last_read_id = GREATEST(r.last_read_id, EXCLUDED.last_read_id), updated_at = now()),
d AS (
  INSERT INTO social.chat_deliveries (id, group_id, message_id, kind) SELECT $6, group_id, id, 'message.created' FROM m)
`+messageColumns+` FROM m LEFT JOIN social.users u ON u.user_id = m.sender_id AND NOT u.deleted`,
		m.GroupID, m.SenderID, m.TxnID, m.Body, m.ReplyTo, deliveryID)
	out, stored, err := oneMessage(rows, err)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && (pgErr.Code == "23503" /* foreign_key_violation */ || pgErr.ConstraintName == "messages_reply_earlier"):
		return Message{}, ErrNoReplyTarget
	case errors.As(err, &pgErr) && pgErr.ConstraintName == "messages_txn":
		return Message{}, ErrTxnTaken
	case err != nil:
		return Message{}, fmt.Errorf("store: insert message: %w", err)
	case !stored:
		return Message{}, ErrNotPosted
	}
	return out, nil
}

// GetMessage reads one message of group.
func GetMessage(ctx context.Context, q Querier, group uuid.UUID, id int64) (Message, bool, error) {
	rows, err := q.Query(ctx, messageSelect+` WHERE m.group_id = $1 AND m.id = $2`, group, id)
	return oneMessage(rows, err)
}

// LockMessage reads one message of group and locks it for tx.
func LockMessage(ctx context.Context, tx pgx.Tx, group uuid.UUID, id int64) (Message, bool, error) {
	rows, err := tx.Query(ctx, messageSelect+` WHERE m.group_id = $1 AND m.id = $2 FOR UPDATE OF m`, group, id)
	return oneMessage(rows, err)
}

// EditMessage sets a message's text and edit time.
func EditMessage(ctx context.Context, tx pgx.Tx, group uuid.UUID, id int64, body string) (Message, error) {
	rows, err := tx.Query(ctx, `
WITH m AS (
  UPDATE social.messages SET body = $3, edited_at = now() WHERE group_id = $1 AND id = $2
  RETURNING *)
`+messageColumns+` FROM m LEFT JOIN social.users u ON u.user_id = m.sender_id AND NOT u.deleted`, group, id, body)
	out, ok, err := oneMessage(rows, err)
	if err == nil && !ok {
		err = errors.New("no row")
	}
	if err != nil {
		return Message{}, fmt.Errorf("store: edit message: %w", err)
	}
	return out, nil
}

// TombstoneMessage deletes a message's text and reactions; the message
// stays (id, sender, times, reply_to) as a tombstone.
func TombstoneMessage(ctx context.Context, tx pgx.Tx, group uuid.UUID, id int64, by uuid.UUID) (Message, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM social.message_reactions WHERE group_id = $1 AND message_id = $2`, group, id); err != nil {
		return Message{}, fmt.Errorf("store: delete reactions: %w", err)
	}
	rows, err := tx.Query(ctx, `
WITH m AS (
  UPDATE social.messages SET body = '', deleted_at = now(), deleted_by = $3 WHERE group_id = $1 AND id = $2
  RETURNING *)
`+messageColumns+` FROM m LEFT JOIN social.users u ON u.user_id = m.sender_id AND NOT u.deleted`, group, id, by)
	out, ok, err := oneMessage(rows, err)
	if err == nil && !ok {
		err = errors.New("no row")
	}
	if err != nil {
		return Message{}, fmt.Errorf("store: delete message: %w", err)
	}
	return out, nil
}

// HistoryPage reads, in one round trip and one snapshot, viewer's
// standing in group and a page of its messages, in ascending id order,
// with their reactions as viewer sees them: the newest belowLimit
// messages with ids below below, then the oldest fromLimit from from up.
// The page is read whatever the standing: the caller decides whether to
// show it.
func HistoryPage(ctx context.Context, pool *pgxpool.Pool, group, viewer uuid.UUID, below int64, belowLimit int, from int64, fromLimit int) (
	ChatStanding, []Message, map[int64][]Reaction, error) {
	const pageIDs = `(SELECT id FROM (SELECT id FROM social.messages WHERE group_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3) b
UNION ALL SELECT id FROM (SELECT id FROM social.messages WHERE group_id = $1 AND id >= $4 ORDER BY id LIMIT $5) f)`
	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	b.Queue(standingQuery, group, viewer)
	b.Queue(messageSelect+` WHERE m.group_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3`, group, below, belowLimit)
	b.Queue(messageSelect+` WHERE m.group_id = $1 AND m.id >= $2 ORDER BY m.id LIMIT $3`, group, from, fromLimit)
	b.Queue(`SELECT message_id, emoji, count(*), bool_or(user_id = $6), min(created_at)
  FROM social.message_reactions WHERE group_id = $1 AND message_id IN `+pageIDs+`
 GROUP BY message_id, emoji ORDER BY message_id, count(*) DESC, min(created_at)`, group, below, belowLimit, from, fromLimit, viewer)
	b.Queue("COMMIT")
	br := pool.SendBatch(ctx, b)
	defer br.Close()
	fail := func(err error) (ChatStanding, []Message, map[int64][]Reaction, error) {
		return ChatStanding{}, nil, nil, fmt.Errorf("store: history page: %w", err)
	}
	if _, err := br.Exec(); err != nil {
		return fail(err)
	}
	st, err := scanStanding(br.QueryRow())
	if err != nil {
		return fail(err)
	}
	var page []Message
	for i := range 2 {
		rows, err := br.Query()
		if err != nil {
			return fail(err)
		}
		ms, err := pgx.CollectRows(rows, scanMessage)
		if err != nil {
			return fail(err)
		}
		if i == 0 {
			slices.Reverse(ms)
		}
		page = append(page, ms...)
	}
	rows, err := br.Query()
	if err != nil {
		return fail(err)
	}
	rs, err := collectReactions(rows)
	if err != nil {
		return fail(err)
	}
	if _, err := br.Exec(); err != nil {
		return fail(err)
	}
	return st, page, rs, br.Close()
}

// Reactions reads the reactions of group's messages ids, as seen by
// viewer, most used first.
func Reactions(ctx context.Context, q Querier, group uuid.UUID, ids []int64, viewer uuid.UUID) (map[int64][]Reaction, error) {
	out := map[int64][]Reaction{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `
SELECT message_id, emoji, count(*), bool_or(user_id = $3), min(created_at)
  FROM social.message_reactions WHERE group_id = $1 AND message_id = ANY($2)
 GROUP BY message_id, emoji ORDER BY message_id, count(*) DESC, min(created_at)`, group, ids, viewer)
	if err != nil {
		return nil, fmt.Errorf("store: reactions: %w", err)
	}
	return collectReactions(rows)
}

// collectReactions reads rows of (message id, emoji, count, me, first
// use).
func collectReactions(rows pgx.Rows) (map[int64][]Reaction, error) {
	out := map[int64][]Reaction{}
	var id int64
	var r Reaction
	var first time.Time
	_, err := pgx.ForEachRow(rows, []any{&id, &r.Emoji, &r.Count, &r.Me, &first}, func() error {
		out[id] = append(out[id], r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: reactions: %w", err)
	}
	return out, nil
}

// AddReaction adds user's emoji to a message, unless the message has max
// other emoji already (full). added is false when user had reacted so.
func AddReaction(ctx context.Context, tx pgx.Tx, group uuid.UUID, id int64, user uuid.UUID, emoji string, max int) (added, full bool, err error) {
	var n int
	err = tx.QueryRow(ctx, `SELECT count(DISTINCT emoji) FILTER (WHERE emoji <> $3) FROM social.message_reactions
WHERE group_id = $1 AND message_id = $2`, group, id, emoji).Scan(&n)
	if err != nil {
		return false, false, fmt.Errorf("store: count reactions: %w", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM social.message_reactions WHERE group_id = $1 AND message_id = $2 AND emoji = $3)`,
		group, id, emoji).Scan(&exists); err != nil {
		return false, false, fmt.Errorf("store: reaction exists: %w", err)
	}
	if !exists && n >= max {
		return false, true, nil
	}
	tag, err := tx.Exec(ctx, `INSERT INTO social.message_reactions (group_id, message_id, emoji, user_id) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`, group, id, emoji, user)
	if err != nil {
		return false, false, fmt.Errorf("store: add reaction: %w", err)
	}
	return tag.RowsAffected() == 1, false, nil
}

// RemoveReaction removes user's emoji from a message; false when there
// was none.
func RemoveReaction(ctx context.Context, tx pgx.Tx, group uuid.UUID, id int64, user uuid.UUID, emoji string) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM social.message_reactions WHERE group_id = $1 AND message_id = $2 AND emoji = $3 AND user_id = $4`,
		group, id, emoji, user)
	if err != nil {
		return false, fmt.Errorf("store: remove reaction: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// MarkRead moves user's read marker in group forward to id (never back);
// it returns the marker.
func MarkRead(ctx context.Context, q Querier, user, group uuid.UUID, id int64) (int64, error) {
	var marker int64
	err := q.QueryRow(ctx, `
INSERT INTO social.read_markers AS r (user_id, group_id, last_read_id) VALUES ($1, $2, $3)
ON CONFLICT (user_id, group_id) DO UPDATE SET last_read_id = GREATEST(r.last_read_id, EXCLUDED.last_read_id),
  updated_at = CASE WHEN EXCLUDED.last_read_id > r.last_read_id THEN now() ELSE r.updated_at END
RETURNING last_read_id`, user, group, id).Scan(&marker)
	if err != nil {
		return 0, fmt.Errorf("store: mark read: %w", err)
	}
	return marker, nil
}

// MarkAllRead moves user's read markers in all its groups to their
// newest message.
func MarkAllRead(ctx context.Context, q Querier, user uuid.UUID) error {
	_, err := q.Exec(ctx, `
INSERT INTO social.read_markers AS r (user_id, group_id, last_read_id)
SELECT m.user_id, m.group_id, c.last_id FROM social.members m JOIN social.chat_groups c ON c.group_id = m.group_id
 WHERE m.user_id = $1
ON CONFLICT (user_id, group_id) DO UPDATE SET last_read_id = GREATEST(r.last_read_id, EXCLUDED.last_read_id), updated_at = now()`, user)
	if err != nil {
		return fmt.Errorf("store: mark all read: %w", err)
	}
	return nil
}

// Unread is where a member is in one group's chat.
type Unread struct {
	GroupID    uuid.UUID
	LastReadID int64
	LastID     int64
	Unread     int // counted up to cap+1
	LastAt     *time.Time
}

// UnreadCounts reads, for each of user's groups (or only group, when not
// nil), its read marker, the group's newest message and the messages of
// others after the marker that are not deleted, counted up to cap+1.
func UnreadCounts(ctx context.Context, q Querier, user uuid.UUID, group *uuid.UUID, cap int) ([]Unread, error) {
	rows, err := q.Query(ctx, `
SELECT m.group_id, COALESCE(r.last_read_id, 0), COALESCE(c.last_id, 0),
       (SELECT count(*) FROM (SELECT 1 FROM social.messages x
          WHERE x.group_id = m.group_id AND x.id > COALESCE(r.last_read_id, 0)
            AND x.sender_id <> $1 AND x.deleted_at IS NULL LIMIT $3) s),
       (SELECT created_at FROM social.messages x WHERE x.group_id = m.group_id AND x.id = c.last_id)
  FROM social.members m
  LEFT JOIN social.read_markers r ON r.user_id = m.user_id AND r.group_id = m.group_id
  LEFT JOIN social.chat_groups c ON c.group_id = m.group_id
 WHERE m.user_id = $1 AND ($2::uuid IS NULL OR m.group_id = $2)
 ORDER BY 5 DESC NULLS LAST, m.group_id`, user, group, cap+1)
	if err != nil {
		return nil, fmt.Errorf("store: unread: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Unread, error) {
		var u Unread
		err := r.Scan(&u.GroupID, &u.LastReadID, &u.LastID, &u.Unread, &u.LastAt)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: unread: %w", err)
	}
	return out, nil
}

// UserGroups lists the groups user is a member of (at most limit).
func UserGroups(ctx context.Context, q Querier, user uuid.UUID, limit int) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `SELECT group_id FROM social.members WHERE user_id = $1 ORDER BY joined_at DESC, group_id LIMIT $2`, user, limit)
	if err != nil {
		return nil, fmt.Errorf("store: user's groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: user's groups: %w", err)
	}
	return out, nil
}

const messageColumns = `SELECT m.group_id, m.id, m.sender_id, COALESCE(u.display_name, ''), m.txn_id, m.body, m.reply_to,
       m.created_at, m.edited_at, m.deleted_at, m.deleted_by`

const messageSelect = messageColumns + ` FROM social.messages m LEFT JOIN social.users u ON u.user_id = m.sender_id AND NOT u.deleted`

func scanMessage(r pgx.CollectableRow) (Message, error) {
	var m Message
	err := r.Scan(&m.GroupID, &m.ID, &m.SenderID, &m.SenderName, &m.TxnID, &m.Body, &m.ReplyTo,
		&m.CreatedAt, &m.EditedAt, &m.DeletedAt, &m.DeletedBy)
	return m, err
}

func oneMessage(rows pgx.Rows, err error) (Message, bool, error) {
	if err != nil {
		return Message{}, false, fmt.Errorf("store: message: %w", err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMessage)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Message{}, false, nil
	case err != nil:
		return Message{}, false, fmt.Errorf("store: message: %w", err)
	}
	return m, true, nil
}

// ChatDelivery is a chat event still to be published on chat.<group>:
// its kind, its message, and for a reaction who and which. The event is
// made from the message as it is when it is published.
type ChatDelivery struct {
	ID        uuid.UUID
	GroupID   uuid.UUID
	MessageID int64
	Kind      string
	Emoji     string
	UserID    *uuid.UUID
}

// InsertChatDelivery records d in tx.
func InsertChatDelivery(ctx context.Context, tx pgx.Tx, d ChatDelivery) error {
	_, err := tx.Exec(ctx, `INSERT INTO social.chat_deliveries (id, group_id, message_id, kind, emoji, user_id)
VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6)`, d.ID, d.GroupID, d.MessageID, d.Kind, d.Emoji, d.UserID)
	if err != nil {
		return fmt.Errorf("store: insert chat delivery: %w", err)
	}
	return nil
}

// DeleteChatDeliveries forgets published deliveries.
func DeleteChatDeliveries(ctx context.Context, q Querier, ids []uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM social.chat_deliveries WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("store: delete chat deliveries: %w", err)
	}
	return nil
}

func scanChatDelivery(r pgx.CollectableRow) (ChatDelivery, error) {
	var d ChatDelivery
	err := r.Scan(&d.ID, &d.GroupID, &d.MessageID, &d.Kind, &d.Emoji, &d.UserID)
	return d, err
}

// StaleChatDeliveries locks (for tx, skipping those another transaction
// holds) up to limit deliveries made before before, oldest first.
func StaleChatDeliveries(ctx context.Context, tx pgx.Tx, before time.Time, limit int) ([]ChatDelivery, error) {
	rows, err := tx.Query(ctx, `SELECT id, group_id, message_id, kind, COALESCE(emoji, ''), user_id FROM social.chat_deliveries
WHERE created_at < $1 ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: stale chat deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanChatDelivery)
	if err != nil {
		return nil, fmt.Errorf("store: stale chat deliveries: %w", err)
	}
	return out, nil
}

// SystemChatDeliveries locks (for tx, skipping those another transaction
// holds) up to limit deliveries of system messages (sender SystemSender),
// oldest first.
func SystemChatDeliveries(ctx context.Context, tx pgx.Tx, limit int) ([]ChatDelivery, error) {
	rows, err := tx.Query(ctx, `SELECT d.id, d.group_id, d.message_id, d.kind, COALESCE(d.emoji, ''), d.user_id
FROM social.chat_deliveries d JOIN social.messages m ON m.group_id = d.group_id AND m.id = d.message_id
WHERE m.sender_id = $1 ORDER BY d.created_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED`, SystemSender, limit)
	if err != nil {
		return nil, fmt.Errorf("store: system chat deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanChatDelivery)
	if err != nil {
		return nil, fmt.Errorf("store: system chat deliveries: %w", err)
	}
	return out, nil
}

// EraseChatUser erases a deleted account from the chat: its messages
// become tombstones (no text, no reactions), and its reactions and read
// markers go. How many messages it erased.
func EraseChatUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) (int64, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM social.message_reactions r USING social.messages m
WHERE m.sender_id = $1 AND m.deleted_at IS NULL AND r.group_id = m.group_id AND r.message_id = m.id`, user); err != nil {
		return 0, fmt.Errorf("store: erase chat user: %w", err)
	}
	for _, q := range []string{`DELETE FROM social.message_reactions WHERE user_id = $1`, `DELETE FROM social.read_markers WHERE user_id = $1`} {
		if _, err := tx.Exec(ctx, q, user); err != nil {
			return 0, fmt.Errorf("store: erase chat user: %w", err)
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE social.messages SET body = '', deleted_at = now(), deleted_by = $1
WHERE sender_id = $1 AND deleted_at IS NULL`, user)
	if err != nil {
		return 0, fmt.Errorf("store: erase chat user: %w", err)
	}
	return tag.RowsAffected(), nil
}
