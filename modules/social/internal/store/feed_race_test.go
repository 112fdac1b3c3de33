package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage/pgtest"
)

// The feed's cards of one session come from separate consumers (the
// session's events, record.set, achievement.unlocked), often at the same
// moment: training publishes a session's completion and its records
// together. Each race below holds the first card's transaction open
// (uncommitted), runs the second's against it, then commits the first:
// whichever commits last, the cards agree.

type feedRace struct {
	pool                  *pgxpool.Pool
	session, owner        uuid.UUID
	at                    time.Time
	sessionCard, records  func(tx pgx.Tx) error
	achievement, deletion func(tx pgx.Tx) error
	achievementID         uuid.UUID
}

func newFeedRace(t *testing.T) *feedRace {
	ctx := context.Background()
	r := &feedRace{pool: pgtest.NewPool(t), session: newID(), owner: newID(), at: time.Now().UTC().Truncate(time.Second)}
	r.sessionCard = func(tx pgx.Tx) error {
		return store.SaveSessionItem(ctx, tx, store.FeedItem{SessionID: r.session, OwnerID: r.owner, Sport: "run", Title: "Dawn",
			StartedAt: r.at, DistanceM: 5000, MovingTimeS: 1500, Visibility: "public", At: r.at.Add(30 * time.Minute)}, 1)
	}
	r.records = func(tx pgx.Tx) error {
		return store.SaveRecordsItem(ctx, tx, store.FeedItem{SessionID: r.session, OwnerID: r.owner, Sport: "run", StartedAt: r.at,
			Records: json.RawMessage(`[{"kind":"fastest","distance_m":5000,"value":1500}]`), At: r.at.Add(30 * time.Minute)})
	}
	r.achievementID = store.AchievementItemID(r.owner, "first_5k:1:0")
	r.achievement = func(tx pgx.Tx) error {
		return store.SaveAchievementItem(ctx, tx, store.FeedItem{SessionID: r.session, OwnerID: r.owner,
			Achievement: json.RawMessage(`{"achievement_id":"first_5k","tier":1}`), At: r.at.Add(31 * time.Minute)}, "first_5k:1:0")
	}
	r.deletion = func(tx pgx.Tx) error {
		return store.DeleteSessionItems(ctx, tx, r.session, r.owner, "run", r.at.Add(time.Hour), 2)
	}
	return r
}

// card reads a card's visibility and whether it is a tombstone; found
// false when there is no such row.
func (r *feedRace) card(t *testing.T, id uuid.UUID) (visibility string, deleted, found bool) {
	t.Helper()
	err := r.pool.QueryRow(context.Background(), `SELECT visibility, deleted FROM social.feed_items WHERE item_id = $1`, id).
		Scan(&visibility, &deleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, false
	}
	require.NoError(t, err)
	return visibility, deleted, true
}

// step is one card's write of a race, by name: session (its card,
// public), records, achievement, deletion.
func (r *feedRace) step(name string) func(tx pgx.Tx) error {
	return map[string]func(tx pgx.Tx) error{"session": r.sessionCard, "records": r.records, "achievement": r.achievement,
		"deletion": r.deletion}[name]
}

// cardID is the id of the records or the achievement card.
func (r *feedRace) cardID(kind string) uuid.UUID {
	if kind == "records" {
		return store.RecordsItemID(r.session)
	}
	return r.achievementID
}

func TestFeedCardsOfASessionAgreeWhateverCommitsFirst(t *testing.T) {
	t.Parallel()
	for _, c := range [][2]string{{"records", "session"}, {"session", "records"}, {"achievement", "session"}, {"session", "achievement"}} {
		t.Run(c[0]+" then "+c[1], func(t *testing.T) {
			t.Parallel()
			r := newFeedRace(t)
			pgtest.Race(t, r.pool, r.step(c[0]), r.step(c[1]))
			kind := c[0]
			if kind == "session" {
				kind = c[1]
			}
			visibility, deleted, found := r.card(t, r.cardID(kind))
			require.True(t, found)
			assert.False(t, deleted)
			assert.Equal(t, "public", visibility, "the card takes the session card's visibility")
		})
	}
}

func TestFeedCardsOfADeletedSessionGoWhateverCommitsFirst(t *testing.T) {
	t.Parallel()
	for _, c := range [][2]string{{"records", "deletion"}, {"deletion", "records"}, {"achievement", "deletion"}, {"deletion", "achievement"}} {
		t.Run(c[0]+" then "+c[1], func(t *testing.T) {
			t.Parallel()
			r := newFeedRace(t)
			// The session's card is known (public): the records or the
			// achievement would show if they outlived the deletion.
			inTx(t, r.pool, r.sessionCard)
			pgtest.Race(t, r.pool, r.step(c[0]), r.step(c[1]))
			kind := c[0]
			if kind == "deletion" {
				kind = c[1]
			}
			_, deleted, found := r.card(t, r.cardID(kind))
			assert.True(t, !found || deleted, "no card of a deleted session is left")
		})
	}
}

// A deleted account's cards go (ForgetFeedItems, in the erasure's
// transaction), also one its session's event brings at the same time.
func TestFeedCardsOfAnErasedAccountGoWhateverCommitsFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		erasure bool // first
	}{{"the erasure, then the session card", true}, {"the session card, then the erasure", false}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newFeedRace(t)
			erase := func(tx pgx.Tx) error {
				if err := store.MarkUserDeleted(ctx, tx, r.owner); err != nil {
					return err
				}
				return store.ForgetFeedItems(ctx, tx, r.owner)
			}
			if c.erasure {
				pgtest.Race(t, r.pool, erase, r.sessionCard)
			} else {
				pgtest.Race(t, r.pool, r.sessionCard, erase)
			}
			_, _, found := r.card(t, r.session)
			assert.False(t, found, "no card of an erased account is left")
		})
	}
}
