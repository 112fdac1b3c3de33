package gamification

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/challengerpc"
	"github.com/athlos/athlos/modules/gamification/internal/challengeservice"
	"github.com/athlos/athlos/modules/gamification/internal/leaderboard"
	"github.com/athlos/athlos/platform"
)

// Module wires the gamification module: its features and the consumers
// that feed them (platform.Module gives it its RPC service, database pool,
// outbox relay and idempotency keys).
func Module() fx.Option {
	return platform.Module(api.Module, fx.Invoke(start))
}

// start builds the module's features and registers the appliers that keep
// them from training's session events (activity.Register), each part in
// its own block.
func start(rt *platform.Runtime, reg *prometheus.Registry) error {
	var appliers []activity.Applier

	// Achievements, points and levels (achievements.go).
	ach, err := achievements(rt)
	if err != nil {
		return err
	}
	appliers = append(appliers, ach)

	// Leaderboards: totals kept from session changes and points, boards
	// in memory per process (internal/leaderboard).
	boards, err := leaderboard.Register(rt, reg, leaderboard.MaxUsersInMemory)
	if err != nil {
		return err
	}
	appliers = append(appliers, boards)
	// Points go on the boards in the transaction that unlocks them: in a
	// batch of sessions, in the leaderboards' write of the batch (so after
	// the achievements' applier).
	ach.OnPoints(boards.ApplyPoints)

	// Challenges: their operations, their progress from sessions (and
	// erasure), and the sweep that ends them, in every process. Their
	// applier comes last: from its write of the challenges' counters to
	// the commit, batches in the same challenges take turns.
	challenges := challengeservice.New(rt.DB, rt.Log, rt.Idempotency, nil)
	if err := challengerpc.Register(rt.Service, challenges); err != nil {
		return err
	}
	appliers = append(appliers, challenges)
	rt.Every("challenge end sweep", challengeservice.EndSweepEvery, func(ctx context.Context) {
		if n, err := challenges.EndDue(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("ending challenges", "err", err)
		} else if n > 0 {
			rt.Log.Debug("challenges ended", "challenges", n)
		}
	})

	activity.Register(rt, appliers...)
	return nil
}
