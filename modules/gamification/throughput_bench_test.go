package gamification_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
	"github.com/athlos/athlos/modules/gamification/internal/leaderboard"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkSessionEventsApplied: training's session events applied
// inside the module, as its consumer applies them (activity.ApplyOnce:
// one transaction a batch of 500, the message ids recorded, the read
// model, every feature's Applier), from 4 workers at once (the consumer's
// workers). 10,000 users; of each batch's events 80 % first completions,
// 15 % edits of an earlier session, 5 % deletions. Reported: events/s.
func BenchmarkSessionEventsApplied(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	var appliers []activity.Applier
	// Achievements, points and levels.

	// Challenges.

	// Leaderboards.
	appliers = append(appliers, leaderboard.New(boardstore.New(pool), nil))

	const batch, workers = 500, 4
	r := rand.New(rand.NewPCG(5, 8))
	users := make([]uuid.UUID, 10_000)
	for i := range users {
		users[i] = uuid.New()
	}
	sports := []string{"run", "ride", "walk", "swim"}
	start := time.Now().UTC().AddDate(0, 0, -60)
	var made []*activity.Session
	newSession := func() *activity.Session {
		at := start.Add(time.Duration(r.IntN(60*24)) * time.Hour)
		km := 1 + r.Float64()*30
		s := &activity.Session{ID: uuid.New(), UserID: users[r.IntN(len(users))], Sport: sports[r.IntN(len(sports))],
			StartedAt: at, CompletedAt: at.Add(time.Hour), DistanceM: km * 1000, MovingTimeS: km * 300, ElapsedTimeS: km * 320,
			ElevationGainM: km * 8, Plausible: r.IntN(50) != 0, BestEfforts: map[string]float64{"5k": 1500}, Revision: 1}
		made = append(made, s)
		return s
	}
	makeBatch := func(k int) ([]string, []activity.Event) {
		ids := make([]string, batch)
		events := make([]activity.Event, batch)
		for i := range events {
			ids[i] = fmt.Sprintf("bench-%d-%d", k, i)
			switch n := r.IntN(100); {
			case n < 80 || len(made) < 10*batch:
				s := newSession()
				events[i] = activity.Event{SessionID: s.ID, UserID: s.UserID, Revision: 1, Session: s}
			case n < 95:
				old := made[r.IntN(len(made)-5*batch)]
				s := *old
				s.DistanceM, s.Revision = s.DistanceM*1.1, old.Revision+1+int64(k)
				events[i] = activity.Event{SessionID: s.ID, UserID: s.UserID, Revision: s.Revision, Session: &s}
			default:
				old := made[r.IntN(len(made)-5*batch)]
				events[i] = activity.Event{SessionID: old.ID, UserID: old.UserID, Revision: old.Revision + 1_000_000}
			}
		}
		return ids, events
	}
	// The batches are made before the clock runs.
	type job struct {
		ids    []string
		events []activity.Event
	}
	jobs := make([]job, b.N)
	for k := range jobs {
		jobs[k].ids, jobs[k].events = makeBatch(k)
	}
	b.ResetTimer()
	t0 := time.Now()
	next := make(chan job)
	var wg sync.WaitGroup
	errs := make(chan error, b.N)
	for range workers {
		wg.Go(func() {
			for j := range next {
				if err := activity.ApplyOnce(ctx, pool, j.ids, j.events, appliers); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	close(errs)
	require.NoError(b, <-errs)
	b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "events/s")
}
