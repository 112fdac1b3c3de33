package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/store"
)

// The feed. Social keeps a card of every finished session of any user
// (training's evt.training.session.completed and .updated: owner, sport,
// title, start, distance, moving time, visibility) and of the records a
// session set (evt.training.record.set); a deleted session
// (session.deleted) or account (evt.client.user.deleted) takes its cards
// away. GET /v1/feed shows a user the cards of those it follows and of
// the members of its groups, never its own, never a private session's,
// none of a user it blocked or who blocked it, newest first. Achievements
// join the feed when gamification publishes its events (issue 11).

// SessionCard is a session event's card (the payload of completed and
// updated), as of Revision.
type SessionCard struct {
	Session, Owner         uuid.UUID
	Sport, Title           string
	Visibility             string
	StartedAt, CompletedAt time.Time
	DistanceM, MovingTimeS float64
	Revision               int64
}

// ApplySessionCard keeps a finished session's card in the consumer's
// transaction tx: an older revision than the card kept, or a card of a
// deleted session or account, changes nothing.
func (s *Service) ApplySessionCard(ctx context.Context, tx pgx.Tx, c SessionCard) error {
	return store.SaveSessionItem(ctx, tx, store.FeedItem{SessionID: c.Session, OwnerID: c.Owner, Sport: c.Sport, Title: c.Title,
		StartedAt: c.StartedAt, DistanceM: c.DistanceM, MovingTimeS: c.MovingTimeS, Visibility: c.Visibility, At: c.CompletedAt},
		c.Revision)
}

// DropSessionCards takes a deleted session's cards from every feed, for
// good, in the consumer's transaction tx.
func (s *Service) DropSessionCards(ctx context.Context, tx pgx.Tx, session, owner uuid.UUID, sport string, at time.Time, revision int64) error {
	return store.DeleteSessionItems(ctx, tx, session, owner, sport, at, revision)
}

// RecordsCard is the card of the records one session set.
type RecordsCard struct {
	Session, Owner   uuid.UUID
	Sport            string
	StartedAt, SetAt time.Time
	Records          []api.FeedRecord
}

// ApplyRecordsCard keeps a records card in the consumer's transaction tx
// (the same again changes nothing).
func (s *Service) ApplyRecordsCard(ctx context.Context, tx pgx.Tx, c RecordsCard) error {
	records, err := json.Marshal(c.Records)
	if err != nil {
		return fmt.Errorf("service: records card: %w", err)
	}
	return store.SaveRecordsItem(ctx, tx, store.FeedItem{SessionID: c.Session, OwnerID: c.Owner, Sport: c.Sport,
		StartedAt: c.StartedAt, Records: records, At: c.SetAt})
}

// AchievementCard is the card of an achievement a session unlocked; Key
// names the unlock among the owner's (achievement, tier, repetition).
type AchievementCard struct {
	Session, Owner uuid.UUID
	Key            string
	UnlockedAt     time.Time
	Achievement    api.FeedAchievement
}

// ApplyAchievementCard keeps an achievement card in the consumer's
// transaction tx (store.SaveAchievementItem).
func (s *Service) ApplyAchievementCard(ctx context.Context, tx pgx.Tx, c AchievementCard) error {
	a, err := json.Marshal(c.Achievement)
	if err != nil {
		return fmt.Errorf("service: achievement card: %w", err)
	}
	return store.SaveAchievementItem(ctx, tx, store.FeedItem{SessionID: c.Session, OwnerID: c.Owner, Achievement: a, At: c.UnlockedAt}, c.Key)
}

// Feed returns a page of user's feed, newest first (see above). Errors:
// invalid (query.limit, query.cursor).
func (s *Service) Feed(ctx context.Context, user uuid.UUID, limit int, cursor string) (api.FeedPage, error) {
	size, after, err := timePage(limit, cursor)
	if err != nil {
		return api.FeedPage{}, err
	}
	rows, err := store.Feed(ctx, s.pool, user, after, size+1)
	if err != nil {
		return api.FeedPage{}, err
	}
	out := api.FeedPage{Items: make([]api.FeedItem, 0, min(len(rows), size))}
	for i, f := range rows {
		if i == size {
			out.NextCursor = ptr(store.TimeCursorOf(rows[i-1].At, rows[i-1].ItemID).Encode())
			break
		}
		it := api.FeedItem{ID: f.ItemID.String(), Kind: f.Kind, OwnerID: f.OwnerID.String(), OwnerName: f.OwnerName,
			SessionID: f.SessionID.String(), Sport: f.Sport, Title: f.Title, StartedAt: f.StartedAt.UTC(), DistanceM: f.DistanceM,
			MovingTimeS: f.MovingTimeS, Visibility: f.Visibility, At: f.At.UTC()}
		if f.Kind == store.FeedRecords && len(f.Records) > 0 {
			if err := json.Unmarshal(f.Records, &it.Records); err != nil {
				return api.FeedPage{}, fmt.Errorf("service: feed records: %w", err)
			}
		}
		if f.Kind == store.FeedAchievement && len(f.Achievement) > 0 {
			it.Achievement = &api.FeedAchievement{}
			if err := json.Unmarshal(f.Achievement, it.Achievement); err != nil {
				return api.FeedPage{}, fmt.Errorf("service: feed achievement: %w", err)
			}
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}
