package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/publish"
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/storage/pgtest"
)

// failing publishes nothing: NATS is down, say.
type failing struct{}

func (failing) Publish(context.Context, string, string, []byte) error {
	return errors.New("nats is down")
}

func chatGroup(t *testing.T, pool *pgxpool.Pool, members ...uuid.UUID) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	g := uuid.Must(uuid.NewV7())
	_, err := pool.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, visibility, member_limit, member_count) VALUES ($1, $2, 'g', 'public', 100, $3)`,
		g, members[0], len(members))
	require.NoError(t, err)
	for _, m := range members {
		_, err := pool.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, 'member')`, g, m)
		require.NoError(t, err)
	}
	return g
}

// A message whose publish failed after the commit is published by the
// sweep, once, and forgotten; one published at once is forgotten and
// never published again.
func TestChatDeliveriesSurviveAFailedPublish(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	nc := bustest.Conn(t, bustest.Server(t))
	require.NoError(t, bus.EnsureStreams(ctx, nc.JS, bus.Streams(nil, 1)))
	ana := uuid.Must(uuid.NewV7())
	g := chatGroup(t, pool, ana)
	got, err := nc.NC.SubscribeSync(api.ChatSubject(g.String()))
	require.NoError(t, err)
	require.NoError(t, nc.NC.Flush())
	pending := func() int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM social.chat_deliveries`).Scan(&n))
		return n
	}

	down := service.NewChat(pool, slog.Default(), service.ChatBudget, failing{})
	m, created, err := down.Post(ctx, ana, g, service.Post{Text: "stored, not published"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, 1, pending(), "kept for the sweep")
	_, err = got.NextMsg(100 * time.Millisecond)
	assert.ErrorIs(t, err, nats.ErrTimeout)

	up := service.NewChat(pool, slog.Default(), service.ChatBudget, publish.Chat{JS: nc.JS})
	n, err := up.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "not stale yet: the publish after the commit may still come")
	time.Sleep(service.StaleAfter + 100*time.Millisecond)
	n, err = up.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	msg, err := got.NextMsg(30 * time.Second)
	require.NoError(t, err)
	var ev api.ChatEvent
	require.NoError(t, json.Unmarshal(msg.Data, &ev))
	assert.Equal(t, m.ID, ev.Message.ID)
	assert.Zero(t, pending())

	// At once, with the loop forgetting it.
	loop, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { up.RunDeliveries(loop); close(done) }()
	m2, _, err := up.Post(ctx, ana, g, service.Post{Text: "published at once"})
	require.NoError(t, err)
	msg, err = got.NextMsg(30 * time.Second)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(msg.Data, &ev))
	assert.Equal(t, m2.ID, ev.Message.ID)
	require.Eventually(t, func() bool { return pending() == 0 }, 30*time.Second, 20*time.Millisecond)
	stop()
	<-done
	_, err = got.NextMsg(200 * time.Millisecond)
	assert.ErrorIs(t, err, nats.ErrTimeout, "nothing twice")
}
