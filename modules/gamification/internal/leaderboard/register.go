package leaderboard

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

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
// to api.SubjectLeaderboardGet, the points boards' durable consumer of
// api.EventAchievementUnlocked, and this process's boards in memory with
// their feed. It returns the Service, which module.go registers as an
// activity.Applier (it is an activity.Eraser too).
func Register(rt *platform.Runtime, maxUsers int) (*Service, error) {
	store := boardstore.New(rt.DB)
	live := NewLive(store, rt.Log, maxUsers)
	svc := New(store, live)
	feed := NewFeed(live, rt.Bus.JS)
	rt.Go("leaderboard feed", func(ctx context.Context) {
		for {
			err := feed.Start(ctx)
			if err == nil {
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
	rt.OnEvent(bus.EventStream(api.Module), api.EventAchievementUnlocked, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev api.AchievementUnlocked
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not an "+api.EventAchievementUnlocked+" event")
		}
		return svc.ApplyPoints(ctx, tx, ev)
	})
	err := rt.Service.HandleSubject(api.SubjectLeaderboardGet, bus.AsCaller(
		func(ctx context.Context, user uuid.UUID, in api.LeaderboardRequest) (api.Leaderboard, error) {
			return svc.Get(ctx, user, in)
		}))
	return svc, err
}
