package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/social/internal/notif"
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// heldWorld is an achievement of Ana's session told to her groups, and
// the session's card, each as its consumer applies it.
type heldWorld struct {
	pool           *pgxpool.Pool
	ana, session   uuid.UUID
	key            string
	fact, deletion func(tx pgx.Tx) error
	card           func(visibility string) func(tx pgx.Tx) error
}

func newHeldWorld(t *testing.T, pool *pgxpool.Pool) *heldWorld {
	ctx := context.Background()
	s := service.New(pool, slog.New(slog.DiscardHandler), nil)
	n := service.NewNotify(pool, slog.New(slog.DiscardHandler), time.Now, nil)
	w := &heldWorld{pool: pool, ana: uuid.Must(uuid.NewV7()), session: uuid.Must(uuid.NewV7())}
	w.key = w.ana.String() + ":first_5k:1"
	at := time.Now().UTC().Truncate(time.Second)
	w.fact = func(tx pgx.Tx) error {
		return n.FanOutOfSession(ctx, tx, w.session, service.Fact{Kind: notif.Achievement, Actor: w.ana, Name: "First 5K",
			SourceKey: w.key, Data: map[string]any{"achievement_id": "first_5k", "tier": 1}})
	}
	w.card = func(visibility string) func(tx pgx.Tx) error {
		return func(tx pgx.Tx) error {
			if err := s.ApplySessionCard(ctx, tx, service.SessionCard{Session: w.session, Owner: w.ana, Sport: "run",
				Visibility: visibility, StartedAt: at, CompletedAt: at.Add(30 * time.Minute), DistanceM: 5000, Revision: 1}); err != nil {
				return err
			}
			return n.SessionCardIn(ctx, tx, w.session)
		}
	}
	w.deletion = func(tx pgx.Tx) error {
		if err := s.DropSessionCards(ctx, tx, w.session, w.ana, "run", at.Add(time.Hour), 2); err != nil {
			return err
		}
		return n.SessionCardIn(ctx, tx, w.session)
	}
	return w
}

// told counts the notifications of the fact, and the facts still held.
func (w *heldWorld) told(t *testing.T) (told, held int) {
	t.Helper()
	require.NoError(t, w.pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM social.notif_events WHERE kind = 'achievement' AND source_key = $1),
		(SELECT count(*) FROM social.held_facts)`, w.key).Scan(&told, &held))
	return told, held
}

// An achievement of a session is told to the owner's groups only once the
// session's feed card says it is not private, and the card comes through
// another consumer, maybe later (a consumer behind) or at the same moment
// in another process: the fact waits for the card, which tells it, and
// whichever transaction commits first, it is told once.
func TestAnAchievementOfASessionWaitsForItsCard(t *testing.T) {
	t.Parallel()
	pgtest.EitherOrder(t, "achievement", "card", func(t *testing.T, pool *pgxpool.Pool) (fact, card func(pgx.Tx) error, check func()) {
		w := newHeldWorld(t, pool)
		return w.fact, w.card("followers"), func() {
			told, held := w.told(t)
			assert.Equal(t, 1, told, "told once")
			assert.Zero(t, held)
		}
	})

	ctx := context.Background()
	pool := pgtest.NewPool(t)
	for _, c := range []struct {
		name string
		then func(w *heldWorld) func(pgx.Tx) error
		told int
	}{
		{"a public card, much later", func(w *heldWorld) func(pgx.Tx) error { return w.card("public") }, 1},
		{"a private card", func(w *heldWorld) func(pgx.Tx) error { return w.card("private") }, 0},
		{"the session's deletion", func(w *heldWorld) func(pgx.Tx) error { return w.deletion }, 0},
	} {
		w := newHeldWorld(t, pool)
		require.NoError(t, storage.InTx(ctx, pool, w.fact))
		_, held := w.told(t)
		require.Equal(t, 1, held, c.name+": the fact waits")
		require.NoError(t, storage.InTx(ctx, pool, c.then(w)))
		told, held := w.told(t)
		assert.Equal(t, c.told, told, c.name)
		assert.Zero(t, held, c.name)
		// The event delivered again changes nothing.
		require.NoError(t, storage.InTx(ctx, pool, w.fact))
		told, held = w.told(t)
		assert.Equal(t, c.told, told, c.name+", again")
		assert.Zero(t, held, c.name+", again")
	}
}
