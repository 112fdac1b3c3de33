package leaderboard

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
	"github.com/athlos/athlos/platform"
)

// MaxUsersInMemory bounds the users a process holds in its boards in
// memory, all boards together (about 80 bytes each: 4 million is some
// 320 MB); past it the least recently read boards are dropped.
const MaxUsersInMemory = 4_000_000

// Register wires the leaderboards into the module's runtime: the answer
// to api.SubjectLeaderboardGet and this process's boards in memory with
// their feed. It returns the Service, which module.go registers as an
// activity.Applier after the achievements (it is an activity.Eraser too)
// and as the achievements' points sink (Service.ApplyPoints).
func Register(rt *platform.Runtime, reg prometheus.Registerer, maxUsers int) (*Service, error) {
	store := boardstore.New(rt.DB)
	live := NewLive(store, rt.Log, maxUsers)
	for _, g := range []struct {
		name, help string
		value      func(boards, users int) int
	}{
		{"athlos_gamification_leaderboards_in_memory", "Leaderboards this process holds in memory.",
			func(b, _ int) int { return b }},
		{"athlos_gamification_leaderboard_users_in_memory", "Users in the leaderboards this process holds in memory, " +
			"all boards together (bounded; about 80 bytes each).", func(_, u int) int { return u }},
	} {
		if err := reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help},
			func() float64 { return float64(g.value(live.InMemory())) })); err != nil {
			return nil, err
		}
	}
	svc := New(store, live)
	feed := NewFeed(live, rt.Bus.JS)
	rt.Go("leaderboard feed", func(ctx context.Context) {
		for {
			err := feed.Start(ctx)
			if err == nil {
				// The boards most read are rebuilt from PostgreSQL at
				// once, not on their first read.
				live.Preload(ctx, time.Now())
				break
			}
			rt.Log.Warn("starting the leaderboard feed; boards are read from SQL meanwhile", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
		<-ctx.Done()
		_ = feed.Stop(context.Background())
	})
	err := rt.Service.HandleSubject(api.SubjectLeaderboardGet, bus.AsCaller(
		func(ctx context.Context, user uuid.UUID, in api.LeaderboardRequest) (api.Leaderboard, error) {
			return svc.Get(ctx, user, in)
		}))
	return svc, err
}
