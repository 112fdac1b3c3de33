package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// NotifEvent is one notification as written once per fact: the kind's
// data is JSON kept as the service encoded it (its own store type).
type NotifEvent struct {
	ID        uuid.UUID
	Kind      string
	SourceKey string
	ActorID   uuid.UUID
	Data      json.RawMessage
	CreatedAt time.Time
}

// SaveNotification writes a notification once per fact: its row in
// social.notif_events, unless one of the same (kind, source key) was
// written before, and its row in social.notif_outbox, where the relay
// finds it and writes its inbox rows (Recipients, WriteInbox). fresh is
// false when the fact was notified before (nothing is written).
func SaveNotification(ctx context.Context, tx pgx.Tx, e NotifEvent) (fresh bool, err error) {
	tag, err := tx.Exec(ctx, `WITH ev AS (
		INSERT INTO social.notif_events (id, kind, source_key, actor_id, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, source_key) DO NOTHING RETURNING id
	) INSERT INTO social.notif_outbox (notif_id) SELECT id FROM ev`,
		e.ID, e.Kind, e.SourceKey, e.ActorID, []byte(e.Data), e.CreatedAt)
	if err != nil {
		return false, fmt.Errorf("store: save notification: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// PersonalRecipients answers who is told of a personal fact of kind
// (about the actor's own account): the actor, unless they muted the kind
// or their account is gone.
func PersonalRecipients(ctx context.Context, q Querier, actor uuid.UUID, kind string) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `SELECT $1::uuid WHERE NOT EXISTS (SELECT 1 FROM social.notif_settings s WHERE s.user_id = $1 AND $2 = ANY (s.muted_kinds))
		AND NOT EXISTS (SELECT 1 FROM social.users u WHERE u.user_id = $1 AND u.deleted)`, actor, kind)
	if err != nil {
		return nil, fmt.Errorf("store: personal notification recipients: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: personal notification recipients: %w", err)
	}
	return out, nil
}

// Recipients answers who is told of a fact of kind by actor, each once:
// the members of any group the actor is in, except the actor, those who
// muted every such group they share with the actor, those who muted the
// kind, and those who blocked the actor or whom the actor blocked; in id
// order.
func Recipients(ctx context.Context, q Querier, actor uuid.UUID, kind string) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT m.user_id FROM social.members mine
		JOIN social.members m ON m.group_id = mine.group_id
		WHERE mine.user_id = $1 AND m.user_id <> $1
		  AND NOT EXISTS (SELECT 1 FROM social.group_mutes gm WHERE gm.user_id = m.user_id AND gm.group_id = m.group_id)
		  AND NOT EXISTS (SELECT 1 FROM social.notif_settings s WHERE s.user_id = m.user_id AND $2 = ANY (s.muted_kinds))
		  AND NOT EXISTS (SELECT 1 FROM social.blocks b WHERE (b.blocker_id = $1 AND b.blocked_id = m.user_id)
		                                             OR (b.blocker_id = m.user_id AND b.blocked_id = $1))
		ORDER BY 1`,
		actor, kind)
	if err != nil {
		return nil, fmt.Errorf("store: notification recipients: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("store: notification recipients: %w", err)
	}
	return out, nil
}

// WriteInbox puts notification id in the inbox of each of recipients
// (distinct) and answers how many rows it added. again says that rows of
// it may be there already (a round that failed after writing some): they
// stay. Without again it goes without ON CONFLICT's speculative insertion
// per row, and a row there already is a unique violation.
func WriteInbox(ctx context.Context, tx pgx.Tx, id uuid.UUID, recipients []uuid.UUID, again bool) (int, error) {
	sql := `INSERT INTO social.notifications (recipient_id, notif_id) SELECT r, $1 FROM unnest($2::uuid[]) r ORDER BY r`
	if again {
		sql += ` ON CONFLICT DO NOTHING`
	}
	tag, err := tx.Exec(ctx, sql, id, recipients)
	if err != nil {
		return 0, fmt.Errorf("store: write inbox of notification %s: %w", id, err)
	}
	return int(tag.RowsAffected()), nil
}

// InboxItem is a notification as its recipient sees it, with the actor's
// name from the names read model.
type InboxItem struct {
	NotifEvent
	ActorName string
	ReadAt    *time.Time
}

const inboxColumns = `e.id, e.kind, e.source_key, e.actor_id, e.data, e.created_at, coalesce(u.display_name, ''), n.read_at`

func scanInbox(row pgx.Row) (InboxItem, error) {
	var it InboxItem
	var data []byte
	err := row.Scan(&it.ID, &it.Kind, &it.SourceKey, &it.ActorID, &data, &it.CreatedAt, &it.ActorName, &it.ReadAt)
	it.Data = data
	return it, err
}

// Inbox returns up to limit of user's notifications, newest first, older
// than before (uuid.Nil: from the newest); unreadOnly leaves read ones out.
func Inbox(ctx context.Context, q Querier, user, before uuid.UUID, unreadOnly bool, limit int) ([]InboxItem, error) {
	var after *uuid.UUID
	if before != uuid.Nil {
		after = &before
	}
	rows, err := q.Query(ctx, `SELECT `+inboxColumns+`
		FROM social.notifications n
		JOIN social.notif_events e ON e.id = n.notif_id
		LEFT JOIN social.users u ON u.user_id = e.actor_id
		WHERE n.recipient_id = $1 AND ($2::uuid IS NULL OR n.notif_id < $2) AND (NOT $3 OR n.read_at IS NULL)
		ORDER BY n.notif_id DESC LIMIT $4`, user, after, unreadOnly, limit)
	if err != nil {
		return nil, fmt.Errorf("store: inbox: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (InboxItem, error) { return scanInbox(r) })
	if err != nil {
		return nil, fmt.Errorf("store: inbox: %w", err)
	}
	return items, nil
}

// UnreadNotifications counts user's unread notifications.
func UnreadNotifications(ctx context.Context, q Querier, user uuid.UUID) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM social.notifications WHERE recipient_id = $1 AND read_at IS NULL`,
		user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unread count: %w", err)
	}
	return n, nil
}

// MarkNotificationRead marks one of user's notifications read (one read before keeps
// its time). ok is false when user has no such notification.
func MarkNotificationRead(ctx context.Context, q Querier, user, id uuid.UUID, at time.Time) (ok bool, err error) {
	err = q.QueryRow(ctx, `WITH upd AS (
		UPDATE social.notifications SET read_at = $3 WHERE recipient_id = $1 AND notif_id = $2 AND read_at IS NULL RETURNING 1
	) SELECT EXISTS (SELECT 1 FROM upd) OR EXISTS (SELECT 1 FROM social.notifications WHERE recipient_id = $1 AND notif_id = $2)`,
		user, id, at).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: mark read: %w", err)
	}
	return ok, nil
}

// MarkAllNotificationsRead marks every unread notification of user read and returns
// how many it marked.
func MarkAllNotificationsRead(ctx context.Context, q Querier, user uuid.UUID, at time.Time) (int, error) {
	tag, err := q.Exec(ctx, `UPDATE social.notifications SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL`, user, at)
	if err != nil {
		return 0, fmt.Errorf("store: mark all read: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ErrNothingPending is returned by NextOutgoing when no notification waits.
var ErrNothingPending = errors.New("store: no notification to send")

// NextOutgoing locks the oldest notification waiting in
// social.notif_outbox (SKIP LOCKED: several relays share them) and reads
// it as its recipients see it (unread); ErrNothingPending when none
// waits. gone is set when its event is gone (the actor's account was
// deleted): it has no recipients.
func NextOutgoing(ctx context.Context, tx pgx.Tx) (out InboxItem, gone bool, err error) {
	err = tx.QueryRow(ctx, `SELECT notif_id FROM social.notif_outbox ORDER BY created_at, notif_id LIMIT 1 FOR UPDATE SKIP LOCKED`).
		Scan(&out.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, false, ErrNothingPending
	}
	if err != nil {
		return out, false, fmt.Errorf("store: next notification: %w", err)
	}
	var data []byte
	err = tx.QueryRow(ctx, `SELECT e.kind, e.source_key, e.actor_id, e.data, e.created_at, coalesce(u.display_name, '')
		FROM social.notif_events e LEFT JOIN social.users u ON u.user_id = e.actor_id WHERE e.id = $1`, out.ID).
		Scan(&out.Kind, &out.SourceKey, &out.ActorID, &data, &out.CreatedAt, &out.ActorName)
	out.Data = data
	if errors.Is(err, pgx.ErrNoRows) {
		return out, true, nil
	}
	if err != nil {
		return out, false, fmt.Errorf("store: next notification: %w", err)
	}
	return out, false, nil
}

// DoneOutgoing removes a sent notification from social.notif_outbox.
func DoneOutgoing(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM social.notif_outbox WHERE notif_id = $1`, id); err != nil {
		return fmt.Errorf("store: notification sent: %w", err)
	}
	return nil
}

// PushTarget is a device to push a notification to, with its owner's
// quiet hours and time zone.
type PushTarget struct {
	UserID     uuid.UUID
	Platform   string
	Token      string
	TimeZone   string
	QuietStart *int16
	QuietEnd   *int16
}

// PushTargets returns the devices of recipients who want pushes.
func PushTargets(ctx context.Context, q Querier, recipients []uuid.UUID) ([]PushTarget, error) {
	rows, err := q.Query(ctx, `SELECT t.user_id, t.platform, t.token, coalesce(s.time_zone, 'UTC'), s.quiet_start, s.quiet_end
		FROM social.push_tokens t
		LEFT JOIN social.notif_settings s ON s.user_id = t.user_id
		WHERE t.user_id = ANY ($1) AND coalesce(s.push_enabled, true)
		ORDER BY t.user_id, t.id`, recipients)
	if err != nil {
		return nil, fmt.Errorf("store: push targets: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PushTarget, error) {
		var p PushTarget
		err := r.Scan(&p.UserID, &p.Platform, &p.Token, &p.TimeZone, &p.QuietStart, &p.QuietEnd)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: push targets: %w", err)
	}
	return out, nil
}

// EraseNotifications removes a deleted user's inbox, settings, mutes and
// device tokens, and the notifications that told of them (from everyone's
// inbox, and their system messages from the chats: tombstones).
func EraseNotifications(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if err := TombstoneSystemMessages(ctx, tx, user); err != nil {
		return err
	}
	for _, q := range []string{
		// The outbox first: a relay writing the inbox rows of one of them
		// holds its row, and this waits for it to commit them.
		`DELETE FROM social.notif_outbox WHERE notif_id IN (SELECT id FROM social.notif_events WHERE actor_id = $1)`,
		`DELETE FROM social.notifications WHERE recipient_id = $1`,
		`DELETE FROM social.notifications WHERE notif_id IN (SELECT id FROM social.notif_events WHERE actor_id = $1)`,
		`DELETE FROM social.notif_events WHERE actor_id = $1`,
		`DELETE FROM social.held_facts WHERE actor_id = $1`,
		`DELETE FROM social.notif_settings WHERE user_id = $1`,
		`DELETE FROM social.group_mutes WHERE user_id = $1`,
		`DELETE FROM social.push_tokens WHERE user_id = $1`,
	} {
		if _, err := tx.Exec(ctx, q, user); err != nil {
			return fmt.Errorf("store: erase notifications: %w", err)
		}
	}
	return nil
}

// SweepNotifications deletes the notifications created before cutoff, at
// most limit of them, with their inbox rows; it returns how many went.
func SweepNotifications(ctx context.Context, q Querier, cutoff time.Time, limit int) (int, error) {
	tag, err := q.Exec(ctx, `WITH old AS (
		SELECT id FROM social.notif_events WHERE created_at < $1 AND id NOT IN (SELECT notif_id FROM social.notif_outbox)
		ORDER BY created_at LIMIT $2
	), gone AS (
		DELETE FROM social.notifications WHERE notif_id IN (SELECT id FROM old)
	) DELETE FROM social.notif_events WHERE id IN (SELECT id FROM old)`, cutoff, limit)
	if err != nil {
		return 0, fmt.Errorf("store: sweep notifications: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
