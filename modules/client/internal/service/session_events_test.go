package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/client/internal/gear"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// Training session events may arrive out of order; the gear totals end up
// as if they had not: an older revision changes nothing, and a deleted
// session is never counted again.
func TestSessionEventsOutOfOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s, err := service.New(pool, make([]byte, 32), 1, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	user := uuid.Must(uuid.NewV7())
	require.NoError(t, store.InsertUser(ctx, pool, store.NewUser{ID: user, Email: "ana@example.com", PasswordHash: "x", Role: "user", Language: "en", Privacy: store.Privacy{}}))
	shoes, err := s.CreateGear(ctx, user, gear.Input{Type: "shoes"})
	require.NoError(t, err)
	other, err := s.CreateGear(ctx, user, gear.Input{Type: "shoes"})
	require.NoError(t, err)
	apply := func(kind string, ev gear.SessionEvent) {
		require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error { return s.ApplySessionEvent(ctx, tx, kind, ev) }))
	}
	totals := func(id string) (int, float64) {
		g, err := s.GetGear(ctx, user, id)
		require.NoError(t, err)
		return g.Sessions, g.DistanceM
	}
	event := func(session string, rev int64, item string, dist float64) gear.SessionEvent {
		return gear.SessionEvent{SessionID: session, UserID: user.String(), Sport: "run", DistanceM: dist,
			MovingTimeS: 600, ElapsedTimeS: 600, GearIDs: []string{item}, CompletedAt: time.Now().UTC(), Revision: rev}
	}

	// Updated (to the other shoes) arrives before completed: completed is
	// old news.
	a := uuid.NewString()
	apply(service.SessionUpdated, event(a, 2, other.ID, 5000))
	apply(service.SessionCompleted, event(a, 1, shoes.ID, 4000))
	n, _ := totals(shoes.ID)
	assert.Zero(t, n, "the completed event came late")
	n, d := totals(other.ID)
	assert.Equal(t, 1, n)
	assert.Equal(t, 5000.0, d)
	// The item's new totals are announced (promo targets worn gear).
	var announced float64
	require.NoError(t, pool.QueryRow(ctx, `SELECT (convert_from(payload, 'UTF8')::jsonb->'gear'->>'distance_m')::float8
		FROM client.outbox WHERE subject = 'evt.client.gear.updated'
		AND convert_from(payload, 'UTF8')::jsonb->'gear'->>'id' = $1 ORDER BY seq DESC LIMIT 1`, other.ID).Scan(&announced))
	assert.Equal(t, 5000.0, announced)

	// Deleted arrives before completed: never counted.
	b := uuid.NewString()
	apply(service.SessionDeleted, event(b, 3, shoes.ID, 0))
	apply(service.SessionCompleted, event(b, 1, shoes.ID, 7000))
	n, _ = totals(shoes.ID)
	assert.Zero(t, n)

	// In order: counted, moved, taken back.
	c := uuid.NewString()
	apply(service.SessionCompleted, event(c, 1, shoes.ID, 3000))
	apply(service.SessionUpdated, event(c, 2, other.ID, 3100))
	n, d = totals(other.ID)
	assert.Equal(t, 2, n)
	assert.Equal(t, 8100.0, d)
	apply(service.SessionUpdated, event(c, 2, shoes.ID, 9999)) // the same revision again
	n, _ = totals(shoes.ID)
	assert.Zero(t, n)
	apply(service.SessionDeleted, event(c, 4, other.ID, 0))
	n, d = totals(other.ID)
	assert.Equal(t, 1, n)
	assert.Equal(t, 5000.0, d)
}
