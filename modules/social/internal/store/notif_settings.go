package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// MuteGroup mutes a group for user (muting again changes nothing).
func MuteGroup(ctx context.Context, q Querier, user, group uuid.UUID) error {
	if _, err := q.Exec(ctx, `INSERT INTO social.group_mutes (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		user, group); err != nil {
		return fmt.Errorf("store: mute group: %w", err)
	}
	return nil
}

// UnmuteGroup lifts user's mute of a group, if any.
func UnmuteGroup(ctx context.Context, q Querier, user, group uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM social.group_mutes WHERE user_id = $1 AND group_id = $2`, user, group); err != nil {
		return fmt.Errorf("store: unmute group: %w", err)
	}
	return nil
}

// GroupExists reports whether a group exists.
func GroupExists(ctx context.Context, q Querier, group uuid.UUID) (bool, error) {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM social.groups WHERE id = $1)`, group).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: group exists: %w", err)
	}
	return ok, nil
}

// NotifSettings are a user's notification settings as kept (the defaults
// for a user without a row).
type NotifSettings struct {
	MutedKinds  []string
	MutedGroups []uuid.UUID
	PushEnabled bool
	QuietStart  *int16
	QuietEnd    *int16
	TimeZone    string
}

// GetNotifSettings reads user's settings and the groups they muted among
// those they are a member of.
func GetNotifSettings(ctx context.Context, q Querier, user uuid.UUID) (NotifSettings, error) {
	s := NotifSettings{MutedKinds: []string{}, PushEnabled: true, TimeZone: "UTC"}
	err := q.QueryRow(ctx, `SELECT muted_kinds, push_enabled, quiet_start, quiet_end, time_zone FROM social.notif_settings
		WHERE user_id = $1`, user).Scan(&s.MutedKinds, &s.PushEnabled, &s.QuietStart, &s.QuietEnd, &s.TimeZone)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return s, fmt.Errorf("store: notification settings: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT gm.group_id FROM social.group_mutes gm
		JOIN social.members m ON m.group_id = gm.group_id AND m.user_id = gm.user_id
		WHERE gm.user_id = $1 ORDER BY gm.group_id`, user)
	if err != nil {
		return s, fmt.Errorf("store: muted groups: %w", err)
	}
	if s.MutedGroups, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
		return s, fmt.Errorf("store: muted groups: %w", err)
	}
	return s, nil
}

// PutNotifSettings writes user's own settings (kinds, push, quiet hours),
// leaving the time zone as kept.
func PutNotifSettings(ctx context.Context, q Querier, user uuid.UUID, s NotifSettings) error {
	_, err := q.Exec(ctx, `INSERT INTO social.notif_settings (user_id, muted_kinds, push_enabled, quiet_start, quiet_end)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET muted_kinds = excluded.muted_kinds, push_enabled = excluded.push_enabled,
			quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end`,
		user, s.MutedKinds, s.PushEnabled, s.QuietStart, s.QuietEnd)
	if err != nil {
		return fmt.Errorf("store: save notification settings: %w", err)
	}
	return nil
}

// SaveTimeZone keeps user's time zone from a profile event of at, unless
// a newer one was kept.
func SaveTimeZone(ctx context.Context, tx pgx.Tx, user uuid.UUID, tz string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO social.notif_settings (user_id, time_zone, time_zone_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone, time_zone_at = excluded.time_zone_at
		WHERE social.notif_settings.time_zone_at < excluded.time_zone_at`, user, tz, at)
	if err != nil {
		return fmt.Errorf("store: save time zone: %w", err)
	}
	return nil
}

// PushTokenRow is a registered device token.
type PushTokenRow struct {
	ID        uuid.UUID
	Platform  string
	Token     string
	CreatedAt time.Time
}

// PushTokens lists user's device tokens, newest first.
func PushTokens(ctx context.Context, q Querier, user uuid.UUID) ([]PushTokenRow, error) {
	rows, err := q.Query(ctx, `SELECT id, platform, token, created_at FROM social.push_tokens WHERE user_id = $1 ORDER BY id DESC`, user)
	if err != nil {
		return nil, fmt.Errorf("store: push tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PushTokenRow, error) {
		var t PushTokenRow
		err := r.Scan(&t.ID, &t.Platform, &t.Token, &t.CreatedAt)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: push tokens: %w", err)
	}
	return out, nil
}

// LockUserTokens serialises changes of user's device tokens for the rest
// of tx (a transaction-scoped advisory lock), so the bound on their count
// holds under concurrent registrations.
func LockUserTokens(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('social.push_tokens:' || $1::text, 0))`, user); err != nil {
		return fmt.Errorf("store: lock push tokens: %w", err)
	}
	return nil
}

// AddPushToken registers a device token for user: a token registered
// before (by user or by another user on the same device) moves to user
// and keeps its id. It returns the row and whether it was new to user.
func AddPushToken(ctx context.Context, tx pgx.Tx, id, user uuid.UUID, platform, token string) (PushTokenRow, bool, error) {
	row := PushTokenRow{Platform: platform, Token: token}
	var prev uuid.UUID
	err := tx.QueryRow(ctx, `WITH old AS (SELECT user_id FROM social.push_tokens WHERE platform = $3 AND token = $4)
		INSERT INTO social.push_tokens (id, user_id, platform, token) VALUES ($1, $2, $3, $4)
		ON CONFLICT (platform, token) DO UPDATE SET user_id = excluded.user_id
		RETURNING id, created_at, coalesce((SELECT user_id FROM old), '00000000-0000-0000-0000-000000000000'::uuid)`,
		id, user, platform, token).Scan(&row.ID, &row.CreatedAt, &prev)
	if err != nil {
		return row, false, fmt.Errorf("store: add push token: %w", err)
	}
	return row, prev != user, nil
}

// DeletePushToken removes one of user's device tokens; false when user has
// no such token.
func DeletePushToken(ctx context.Context, q Querier, user, id uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM social.push_tokens WHERE user_id = $1 AND id = $2`, user, id)
	if err != nil {
		return false, fmt.Errorf("store: delete push token: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// CountPushTokens counts user's device tokens.
func CountPushTokens(ctx context.Context, q Querier, user uuid.UUID) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM social.push_tokens WHERE user_id = $1`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count push tokens: %w", err)
	}
	return n, nil
}

// LockNotifSettings makes sure user has a settings row and locks it for
// the rest of tx, so concurrent changes of different fields all stay.
func LockNotifSettings(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `INSERT INTO social.notif_settings (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, user); err != nil {
		return fmt.Errorf("store: lock notification settings: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM social.notif_settings WHERE user_id = $1 FOR UPDATE`, user); err != nil {
		return fmt.Errorf("store: lock notification settings: %w", err)
	}
	return nil
}

// DeletePushTokensByValue forgets tokens a provider said are no longer
// registered.
func DeletePushTokensByValue(ctx context.Context, q Querier, platform string, tokens []string) error {
	if _, err := q.Exec(ctx, `DELETE FROM social.push_tokens WHERE platform = $1 AND token = ANY ($2)`, platform, tokens); err != nil {
		return fmt.Errorf("store: forget push tokens: %w", err)
	}
	return nil
}
