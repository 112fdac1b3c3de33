package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/internal/group"
)

// Kinds of feed items, as stored in social.feed_items.kind.
const (
	FeedSession     = "session"
	FeedRecords     = "records"
	FeedAchievement = "achievement"
)

// FeedItem is a card of the feed read model.
type FeedItem struct {
	ItemID, SessionID, OwnerID uuid.UUID
	Kind                       string
	OwnerName                  string
	Sport, Title               string
	StartedAt                  time.Time
	DistanceM, MovingTimeS     float64
	Visibility                 string
	Records                    json.RawMessage
	Achievement                json.RawMessage
	At                         time.Time
}

// RecordsItemID is the id of the records card of a session.
func RecordsItemID(session uuid.UUID) uuid.UUID { return uuid.NewSHA1(session, []byte("records")) }

// AchievementItemID is the id of the card of an owner's unlock, named by
// key (the achievement, tier and repetition).
func AchievementItemID(owner uuid.UUID, key string) uuid.UUID {
	return uuid.NewSHA1(owner, []byte("achievement:"+key))
}

// LockSessionCards takes, for the rest of tx, the owner's facts lock shared
// (LockUserFacts) and the session's cards' lock: the cards of one session come from separate
// consumers (its events, record.set, achievement.unlocked), often at the
// same moment, and each copies or updates what the others wrote (the
// session card's visibility, a deletion's tombstone). Without the lock,
// two of them in transactions that do not see each other's rows could
// both miss the other (a records card left private, or left over a
// deleted session); with it, the later one's statements see the earlier
// one's commit. An erasure takes the owner's lock exclusive
// (MarkUserDeleted), so no card of a deleted account slips in. A fact of
// the session that waits for its card (HoldFact) takes them too.
func LockSessionCards(ctx context.Context, tx pgx.Tx, session, owner uuid.UUID) error {
	if err := LockUserFacts(ctx, tx, owner); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('social.feed_session:' || $1::text, 0))`,
		session); err != nil {
		return fmt.Errorf("store: lock the session's cards: %w", err)
	}
	return nil
}

// SaveSessionItem keeps a finished session's card as of revision: a newer
// one than the card kept, of a session not deleted, of an owner whose
// account is not deleted (else nothing changes). The session's records
// and achievement cards take its sport, title, start and visibility.
func SaveSessionItem(ctx context.Context, tx pgx.Tx, it FeedItem, revision int64) error {
	if err := LockSessionCards(ctx, tx, it.SessionID, it.OwnerID); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO social.feed_items (item_id, kind, session_id, owner_id, sport, title, started_at,
			distance_m, moving_time_s, visibility, at, revision)
		SELECT $1, 'session', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
		WHERE NOT EXISTS (SELECT 1 FROM social.users WHERE user_id = $2 AND deleted)
		ON CONFLICT (item_id) DO UPDATE SET sport = excluded.sport, title = excluded.title, started_at = excluded.started_at,
			distance_m = excluded.distance_m, moving_time_s = excluded.moving_time_s, visibility = excluded.visibility,
			at = excluded.at, revision = excluded.revision
		WHERE social.feed_items.revision < excluded.revision AND NOT social.feed_items.deleted`,
		it.SessionID, it.OwnerID, it.Sport, it.Title, it.StartedAt, it.DistanceM, it.MovingTimeS, it.Visibility, it.At, revision)
	if err != nil {
		return fmt.Errorf("store: save session item: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE social.feed_items SET sport = $2, title = $3, visibility = $4, started_at = $6
		WHERE (item_id = $1 OR (session_id = $5 AND kind = 'achievement')) AND NOT deleted`,
		RecordsItemID(it.SessionID), it.Sport, it.Title, it.Visibility, it.SessionID, it.StartedAt); err != nil {
		return fmt.Errorf("store: save session item: %w", err)
	}
	return nil
}

// DeleteSessionItems turns a deleted session's cards into tombstones (a
// late event of it brings nothing back).
func DeleteSessionItems(ctx context.Context, tx pgx.Tx, session, owner uuid.UUID, sport string, at time.Time, revision int64) error {
	if err := LockSessionCards(ctx, tx, session, owner); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO social.feed_items (item_id, kind, session_id, owner_id, sport, started_at, visibility, at, revision, deleted)
		VALUES ($1, 'session', $1, $2, $3, $4, 'private', $4, $5, true)
		ON CONFLICT (item_id) DO UPDATE SET deleted = true, records = NULL, revision = greatest(social.feed_items.revision, excluded.revision)`,
		session, owner, sport, at, revision)
	if err != nil {
		return fmt.Errorf("store: delete session items: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE social.feed_items SET deleted = true, records = NULL, achievement = NULL
		WHERE item_id = $1 OR (session_id = $2 AND kind = 'achievement')`, RecordsItemID(session), session); err != nil {
		return fmt.Errorf("store: delete session items: %w", err)
	}
	return nil
}

// SaveRecordsItem keeps the card of the records a session set (the same
// again changes nothing): with the session card's visibility (private
// until that card is known), none for a deleted session or account.
func SaveRecordsItem(ctx context.Context, tx pgx.Tx, it FeedItem) error {
	if err := LockSessionCards(ctx, tx, it.SessionID, it.OwnerID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO social.feed_items (item_id, kind, session_id, owner_id, sport, title, started_at, visibility, records, at)
		SELECT $1, 'records', $2, $3, coalesce(s.sport, $4), coalesce(s.title, ''), $5, coalesce(s.visibility, 'private'), $6, $7
		FROM (SELECT 1) one LEFT JOIN social.feed_items s ON s.item_id = $2
		WHERE NOT coalesce(s.deleted, false) AND NOT EXISTS (SELECT 1 FROM social.users WHERE user_id = $3 AND deleted)
		ON CONFLICT (item_id) DO UPDATE SET records = excluded.records, at = excluded.at WHERE NOT social.feed_items.deleted`,
		RecordsItemID(it.SessionID), it.SessionID, it.OwnerID, it.Sport, it.StartedAt, it.Records, it.At)
	if err != nil {
		return fmt.Errorf("store: save records item: %w", err)
	}
	return nil
}

// SaveAchievementItem keeps the card of an achievement a session unlocked
// (the same unlock again changes nothing): with the session card's
// sport, title and visibility (private until that card is known), none
// for a deleted session or account.
func SaveAchievementItem(ctx context.Context, tx pgx.Tx, it FeedItem, key string) error {
	if err := LockSessionCards(ctx, tx, it.SessionID, it.OwnerID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO social.feed_items (item_id, kind, session_id, owner_id, sport, title, started_at, visibility,
			achievement, at)
		SELECT $1, 'achievement', $2, $3, coalesce(s.sport, ''), coalesce(s.title, ''), coalesce(s.started_at, $6),
			coalesce(s.visibility, 'private'), $4, $5
		FROM (SELECT 1) one LEFT JOIN social.feed_items s ON s.item_id = $2
		WHERE NOT coalesce(s.deleted, false) AND NOT EXISTS (SELECT 1 FROM social.users WHERE user_id = $3 AND deleted)
		ON CONFLICT (item_id) DO NOTHING`,
		AchievementItemID(it.OwnerID, key), it.SessionID, it.OwnerID, it.Achievement, it.At, it.At)
	if err != nil {
		return fmt.Errorf("store: save achievement item: %w", err)
	}
	return nil
}

// SessionVisibility answers the visibility of a session's card, and
// whether the card is known (a deleted session's is known and private).
func SessionVisibility(ctx context.Context, q Querier, session uuid.UUID) (visibility string, known bool, err error) {
	err = q.QueryRow(ctx, `SELECT CASE WHEN deleted THEN 'private' ELSE visibility END FROM social.feed_items WHERE item_id = $1`,
		session).Scan(&visibility)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: session visibility: %w", err)
	}
	return visibility, true, nil
}

// ForgetFeedItems removes every card of a deleted account (in the
// erasure's transaction, after MarkUserDeleted: a card written at the
// same time either committed first and goes, or waits and finds the
// account deleted).
func ForgetFeedItems(ctx context.Context, tx pgx.Tx, owner uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM social.feed_items WHERE owner_id = $1`, owner); err != nil {
		return fmt.Errorf("store: forget feed items: %w", err)
	}
	return nil
}

// Feed returns up to limit cards for user, newest first, after the
// cursor: those of the users it follows (in force) and of the members of
// its groups, not its own, of visibility followers or public, none of a
// user it blocked or who blocked it. Each owner's newest cards come from
// its index range (LATERAL ... LIMIT, an index-only scan of
// feed_items_owner), the page is their merge, and only the page's cards
// are read whole.
func Feed(ctx context.Context, q Querier, user uuid.UUID, after *group.TimeCursor, limit int) ([]FeedItem, error) {
	// Without a cursor, from the end of time: a row comparison the index
	// range serves either way (an OR of the two would read every card).
	var at *time.Time
	var from *uuid.UUID
	if after != nil {
		t, id := afterArgs(after)
		at, from = t, &id
	}
	rows, err := q.Query(ctx, `WITH owners AS (
			SELECT followee_id AS id FROM social.follows WHERE follower_id = $1 AND state = 'active'
			UNION
			SELECT m2.user_id FROM social.members m1 JOIN social.members m2 ON m2.group_id = m1.group_id WHERE m1.user_id = $1
		), page AS (
			SELECT x.item_id, x.at FROM owners o CROSS JOIN LATERAL (
				SELECT f.item_id, f.at FROM social.feed_items f
				WHERE f.owner_id = o.id AND NOT f.deleted AND f.visibility <> 'private'
					AND (f.at, f.item_id) < (coalesce($2::timestamptz, 'infinity'), coalesce($3::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
				ORDER BY f.at DESC, f.item_id DESC LIMIT $4) x
			WHERE o.id <> $1 AND NOT EXISTS (SELECT 1 FROM social.blocks b
				WHERE (b.blocker_id = $1 AND b.blocked_id = o.id) OR (b.blocker_id = o.id AND b.blocked_id = $1))
			ORDER BY x.at DESC, x.item_id DESC LIMIT $4
		)
		SELECT f.item_id, f.kind, f.session_id, f.owner_id, coalesce(u.display_name, ''), f.sport, f.title, f.started_at,
			f.distance_m, f.moving_time_s, f.visibility, f.records, f.achievement, f.at
		FROM page p JOIN social.feed_items f ON f.item_id = p.item_id LEFT JOIN social.users u ON u.user_id = f.owner_id
		ORDER BY f.at DESC, f.item_id DESC`, user, at, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: feed: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeedItem, error) {
		var f FeedItem
		return f, r.Scan(&f.ItemID, &f.Kind, &f.SessionID, &f.OwnerID, &f.OwnerName, &f.Sport, &f.Title, &f.StartedAt,
			&f.DistanceM, &f.MovingTimeS, &f.Visibility, &f.Records, &f.Achievement, &f.At)
	})
	if err != nil {
		return nil, fmt.Errorf("store: feed: %w", err)
	}
	return out, nil
}
