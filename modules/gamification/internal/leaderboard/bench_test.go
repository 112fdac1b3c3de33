package leaderboard

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/loadgen/leaderboard"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/board"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
	"github.com/athlos/athlos/storage/pgtest"
)

// measure runs op b.N times and reports its p50 and p99 (µs) besides
// the mean.
func measure(b *testing.B, op func(i int)) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		t0 := time.Now()
		op(i)
		d = append(d, time.Since(t0))
		i++
	}
	slices.Sort(d)
	q := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Nanoseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// BenchmarkLeaderboard1M: the all-time distance board of a million users
// (seeded with COPY as `athlos loadgen leaderboard` seeds it, 1 in 100
// opted out), in this process's memory: the structure's top 50 and a
// user's place with two neighbours either side, then the same through
// Service.Get (the caller's listing and the names read from PostgreSQL).
func BenchmarkLeaderboard1M(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	const n = 1_000_000
	_, err := leaderboard.Seed(ctx, pool, n, nil)
	require.NoError(b, err)
	store := boardstore.New(pool)
	live := NewLive(store, bustest.Logger(b), MaxUsersInMemory)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go live.run(runCtx)
	live.setStarted(true)
	svc := New(store, live)
	users := make([]uuid.UUID, 1000)
	for i := range users {
		users[i] = leaderboard.SeededID(i * 997 % n)
		if i*997%n%100 == 99 {
			users[i] = leaderboard.SeededID(i*997%n + 1) // listed
		}
	}
	all := api.LeaderboardRequest{Period: "all"}
	_, err = svc.Get(ctx, users[0], all) // starts the load
	require.NoError(b, err)
	id, err := store.SlotID(ctx, board.SlotAt(board.All, time.Now(), ""))
	require.NoError(b, err)
	start := time.Now()
	var r *board.Ranking
	for r == nil {
		time.Sleep(50 * time.Millisecond)
		r, _ = live.Ranking(liveKey{slot: id, metric: board.Distance})
	}
	b.Logf("board of %d users loaded in %s", r.Len(), time.Since(start).Round(time.Millisecond))
	zero, two := 0, 2
	b.Run("ranking/top50", func(b *testing.B) {
		measure(b, func(int) { _ = r.Top(50) })
	})
	b.Run("ranking/rank_neighbours", func(b *testing.B) {
		measure(b, func(i int) { _, _, _, _ = r.Around(users[i%len(users)], 2) })
	})
	for _, c := range []struct {
		name string
		in   api.LeaderboardRequest
	}{
		{"get/top50", api.LeaderboardRequest{Period: "all", Limit: 50, Neighbours: &zero}},
		{"get/rank_neighbours", api.LeaderboardRequest{Period: "all", Limit: 1, Neighbours: &two}},
		{"get/top50_and_rank", api.LeaderboardRequest{Period: "all", Limit: 50, Neighbours: &two}},
	} {
		b.Run(c.name, func(b *testing.B) {
			measure(b, func(i int) {
				out, err := svc.Get(ctx, users[i%len(users)], c.in)
				if err != nil || out.Me.Rank == nil {
					b.Fatalf("%v, %+v", err, out.Me)
				}
			})
		})
	}
}

// BenchmarkLeaderboardFallback1M: the same board answered from SQL alone
// (the exact fallback, while a board is not in memory): the top 50 and a
// user's rank with two neighbours either side, one snapshot.
//
//	go test ./modules/gamification/internal/leaderboard -run '^$' -bench LeaderboardFallback1M -benchtime 20x
func BenchmarkLeaderboardFallback1M(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	const n = 1_000_000
	_, err := leaderboard.Seed(ctx, pool, n, nil)
	require.NoError(b, err)
	svc := New(boardstore.New(pool), nil)
	two := 2
	in := api.LeaderboardRequest{Period: "all", Limit: 50, Neighbours: &two}
	measure(b, func(i int) {
		out, err := svc.Get(ctx, leaderboard.SeededID(i*7919%n/100*100), in) // never an opted-out one
		if err != nil || out.Me.Rank == nil || len(out.Items) != 50 {
			b.Fatalf("%v, %+v", err, out.Me)
		}
	})
}
