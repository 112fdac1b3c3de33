package service

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkApplySessions measures session events applied per second by
// the session consumer's work (activity.ApplyOnce: the message ids, the
// revision gate, the sessions read model) with the achievements' applier
// attached (the default catalogue, 26 achievements), in batches of 500
// (the consumer's batch size) over 2,000 users in several time zones,
// sessions finishing as time goes by (2 % of them older ones, imported).
// mix=new: first completions only; mix=edits: 90 % completions, 7 % edits
// and 3 % deletions of earlier sessions (their users' states rebuilt from
// their sessions, as for the old ones). readmodel: the same without the
// applier, the foundation's own share. settled: users with ten sessions
// each already (not timed), whose early tiers are unlocked.
//
//	go test -run '^$' -bench ApplySessions -benchtime 40x ./modules/gamification/internal/achieve/service/
func BenchmarkApplySessions(b *testing.B) {
	for _, c := range []struct {
		name     string
		edits    bool
		appliers bool
		settled  bool
	}{{"mix=new", false, true, false}, {"mix=edits", true, true, false}, {"settled/mix=new", false, true, true},
		{"readmodel/mix=new", false, false, false}} {
		b.Run(c.name, func(b *testing.B) { benchApply(b, c.edits, c.appliers, c.settled) })
	}
}

func benchApply(b *testing.B, edits, withApplier, settled bool) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	s := newService(pool)
	var appliers []activity.Applier
	if withApplier {
		appliers = append(appliers, s)
	}
	const users, batch = 2000, 500
	zones := []string{"UTC", "Europe/Madrid", "America/New_York", "Asia/Tokyo"}
	ids := make([]uuid.UUID, users)
	for i := range ids {
		ids[i] = uuid.New()
		_, err := pool.Exec(ctx, `INSERT INTO gamification.users (user_id, time_zone, updated_at) VALUES ($1, $2, now())`, ids[i], zones[i%len(zones)])
		require.NoError(b, err)
	}
	r := rand.New(rand.NewPCG(14, 14))
	sports := []string{"run", "ride", "swim", "walk", "strength"}
	type known struct {
		s   activity.Session
		rev int64
	}
	var done []known
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	next := func() activity.Event {
		if edits && len(done) > 0 {
			switch k := r.IntN(100); {
			case k < 7:
				i := r.IntN(len(done))
				done[i].rev++
				s := done[i].s
				s.DistanceM *= 1.1
				return activity.Event{SessionID: s.ID, UserID: s.UserID, Revision: done[i].rev, Session: &s}
			case k < 10:
				i := r.IntN(len(done))
				d := done[i]
				done[i] = done[len(done)-1]
				done = done[:len(done)-1]
				return activity.Event{SessionID: d.s.ID, UserID: d.s.UserID, Revision: d.rev + 1}
			}
		}
		// Sessions finish as time goes by (an old one, imported, now and
		// then: a day to a year back).
		user := ids[r.IntN(users)]
		now = now.Add(time.Duration(r.IntN(4)) * time.Minute)
		at := now
		if r.IntN(100) < 2 {
			at = now.Add(-time.Duration(1+r.IntN(365)) * 24 * time.Hour)
		}
		s := activity.Session{ID: uuid.New(), UserID: user, Sport: sports[r.IntN(len(sports))], StartedAt: at,
			CompletedAt: at.Add(time.Hour), DistanceM: float64(1000 + r.IntN(40_000)), MovingTimeS: float64(600 + r.IntN(10_000)),
			ElevationGainM: float64(r.IntN(800)), Plausible: true}
		if s.Sport == "run" {
			s.BestEfforts = map[string]float64{"1k": float64(200 + r.IntN(200)), "5k": float64(1100 + r.IntN(900))}
		}
		done = append(done, known{s: s, rev: 1})
		return activity.Event{SessionID: s.ID, UserID: user, Revision: 1, Session: &s}
	}
	if settled {
		// Ten sessions a user first, not timed: the early tiers are
		// unlocked, as for users who have been around.
		for range 40 {
			var list []activity.Event
			var ids []string
			for range batch {
				list, ids = append(list, next()), append(ids, uuid.NewString())
			}
			require.NoError(b, activity.ApplyOnce(ctx, pool, ids, list, appliers))
		}
	}
	var before int
	require.NoError(b, pool.QueryRow(ctx, `SELECT count(*) FROM gamification.user_achievements`).Scan(&before))
	batches := make([][]activity.Event, b.N)
	msgIDs := make([][]string, b.N)
	for i := range batches {
		for range batch {
			batches[i] = append(batches[i], next())
			msgIDs[i] = append(msgIDs[i], uuid.NewString())
		}
	}
	b.ResetTimer()
	for i := range b.N {
		require.NoError(b, activity.ApplyOnce(ctx, pool, msgIDs[i], batches[i], appliers))
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "events/s")
	var avg float64
	var unlocks int
	require.NoError(b, pool.QueryRow(ctx, `SELECT coalesce(avg(octet_length(state)), 0), (SELECT count(*) FROM gamification.user_achievements)
		FROM gamification.achievement_users`).Scan(&avg, &unlocks))
	b.ReportMetric(avg, "state-bytes")
	b.ReportMetric(float64(unlocks-before)/float64(batch*b.N), "unlocks/event")
}
