package facts_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/modules/promo/internal/facts/factstest"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkLoad reads the facts of users drawn from 100,000 seeded ones
// (factstest.Seed), one Load (one round trip) per operation, sequentially
// and in parallel.
func BenchmarkLoad(b *testing.B) {
	db := pgtest.NewPool(b)
	ctx := context.Background()
	ids, err := factstest.Seed(ctx, db, 100_000, 1)
	require.NoError(b, err)
	_, err = db.Exec(ctx, `ANALYZE promo.users, promo.consents, promo.user_sessions, promo.user_gear, promo.user_challenges`)
	require.NoError(b, err)
	now := time.Now()
	b.Run("sequential", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := facts.Load(ctx, db, ids[i%len(ids)], now); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := facts.Load(ctx, db, ids[i%len(ids)], now); err != nil {
					b.Error(err)
					return
				}
				i += 7919
			}
		})
	})
}

// BenchmarkSessionEvents measures the module's session consumer over the
// real bus: 5,000 session.completed events of 500 users published at once
// per operation, timed until every one is applied (events/s).
func BenchmarkSessionEvents(b *testing.B) {
	m := startModule(b)
	ctx := context.Background()
	users := make([]uuid.UUID, 500)
	for i := range users {
		users[i] = uuid.New()
	}
	const perOp = 5000
	now := time.Now()
	for b.Loop() {
		ids := make([]string, perOp)
		for i := range perOp {
			e := sessionEvent(trainingapi.EventSessionCompleted, uuid.New(), users[i%len(users)], "run", now.Add(-time.Duration(i)*time.Minute), 1)
			data, err := json.Marshal(e.payload)
			require.NoError(b, err)
			ids[i] = uuid.NewString()
			_, err = m.conn.JS.PublishMsgAsync(&nats.Msg{Subject: e.subject, Data: data}, jetstream.WithMsgID(ids[i]))
			require.NoError(b, err)
		}
		<-m.conn.JS.PublishAsyncComplete()
		for {
			var n int
			require.NoError(b, m.db.QueryRow(ctx, `SELECT count(*) FROM promo.processed_messages WHERE msg_id = ANY($1)`, ids).Scan(&n))
			if n == perOp {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	b.ReportMetric(float64(perOp*b.N)/b.Elapsed().Seconds(), "events/s")
}
