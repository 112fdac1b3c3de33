package gamification_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	achieveservice "github.com/athlos/athlos/modules/gamification/internal/achieve/service"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengeservice"
	"github.com/athlos/athlos/modules/gamification/internal/leaderboard"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkSessionEventsApplied: training's session events applied
// inside the module, as its consumer applies them (activity.ApplyOnce:
// one transaction a batch of 1,000, the message ids recorded, the read
// model, every feature's Applier), from 4 workers at once, each with the
// events of its own users (as the consumer's workers share them). 10,000 users, each taking part in four global challenges
// (most distance, a group goal, fastest 5 km, longest session), with the
// default achievements' catalogue; of each batch's events 80 % first
// completions, 15 % edits of an earlier session, 5 % deletions, within
// the last 60 days. Reported: events/s, and the batches tried again. Sub-
// benchmarks: every feature ("all"), each alone, and none ("read-models":
// the consumer's own work). Each feature's time inside the batches is reported
// too (<feature>-ms/batch: summed over the four workers, per batch).
//
//	go test ./modules/gamification -run '^$' -bench SessionEventsApplied -benchtime 40x
func BenchmarkSessionEventsApplied(b *testing.B) {
	for _, features := range []string{"all", "read-models", "achievements", "challenges", "leaderboards"} {
		b.Run(features, func(b *testing.B) { benchmarkSessionEvents(b, features) })
	}
}

func benchmarkSessionEvents(b *testing.B, features string) {
	on := func(f string) bool { return features == "all" || features == f }
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := rand.New(rand.NewPCG(5, 8))
	users := make([]uuid.UUID, 10_000)
	for i := range users {
		users[i] = uuid.New()
	}
	var appliers []activity.Applier
	// Achievements, points and levels: the default catalogue.
	var ach *achieveservice.Service
	if on("achievements") {
		ach = achieveservice.New(pool, log)
		require.NoError(b, ach.Seed(ctx))
		appliers = append(appliers, ach)
	}

	// Leaderboards, with the unlocks' points, as module.go wires them.
	if on("leaderboards") {
		boards := leaderboard.New(boardstore.New(pool), nil)
		appliers = append(appliers, boards)
		if ach != nil {
			ach.OnPoints(boards.ApplyPoints)
		}
	}

	// Challenges (last, as in module.go): four global ones, every user in
	// each.
	if on("challenges") {
		addChallenges(b, pool, log, users, &appliers)
	}

	// Each feature's time inside the batches, reported per batch.
	spent := make([]*atomic.Int64, len(appliers))
	for i, a := range appliers {
		spent[i] = new(atomic.Int64)
		appliers[i] = timed{a, spent[i]}
		if _, ok := a.(activity.Preparer); ok {
			// The leaderboards make their new slots before the batch's
			// transaction, as in the consumer.
			appliers[i] = timedPreparer{timed{a, spent[i]}}
		}
	}

	const batch, workers = 1000, 4

	sports := []string{"run", "ride", "walk", "swim"}
	start := time.Now().UTC().AddDate(0, 0, -60)
	// As the consumer shares events among its workers by user, worker w
	// applies the batches of the users w, w+4, w+8 ... only.
	made := make([][]*activity.Session, workers)
	newSession := func(w int) *activity.Session {
		at := start.Add(time.Duration(r.IntN(60*24)) * time.Hour)
		km := 1 + r.Float64()*30
		s := &activity.Session{ID: uuid.New(), UserID: users[w+workers*r.IntN(len(users)/workers)], Sport: sports[r.IntN(len(sports))],
			StartedAt: at, CompletedAt: at.Add(time.Hour), DistanceM: km * 1000, MovingTimeS: km * 300, ElapsedTimeS: km * 320,
			ElevationGainM: km * 8, Plausible: r.IntN(50) != 0, BestEfforts: map[string]float64{"5k": 1500}, Revision: 1}
		made[w] = append(made[w], s)
		return s
	}
	makeBatch := func(k, w int) ([]string, []activity.Event) {
		ids := make([]string, batch)
		events := make([]activity.Event, batch)
		for i := range events {
			ids[i] = fmt.Sprintf("bench-%d-%d", k, i)
			switch n := r.IntN(100); {
			case n < 80 || len(made[w]) < 3*batch:
				s := newSession(w)
				events[i] = activity.Event{SessionID: s.ID, UserID: s.UserID, Revision: 1, Session: s}
			case n < 95:
				old := made[w][r.IntN(len(made[w])-batch)]
				s := *old
				s.DistanceM, s.Revision = s.DistanceM*1.1, old.Revision+1+int64(k)
				events[i] = activity.Event{SessionID: s.ID, UserID: s.UserID, Revision: s.Revision, Session: &s}
			default:
				old := made[w][r.IntN(len(made[w])-batch)]
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
	queues := make([][]job, workers)
	for k := range b.N {
		var j job
		j.ids, j.events = makeBatch(k, k%workers)
		queues[k%workers] = append(queues[k%workers], j)
	}
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, b.N)
	var retries atomic.Int64
	for _, queue := range queues {
		wg.Go(func() {
			for _, j := range queue {
				// As the consumer does, a failed batch is tried again.
				var err error
				for try := 0; try < 5; try++ {
					if err = activity.ApplyOnce(ctx, pool, j.ids, j.events, appliers); err == nil {
						break
					}
					retries.Add(1)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	close(errs)
	require.NoError(b, <-errs)
	b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(retries.Load()), "retried-batches")
	for i, a := range appliers {
		b.ReportMetric(float64(spent[i].Load())/1e6/float64(b.N), a.(interface{ name() string }).name()+"-ms/batch")
	}
}

// timed is an Applier that adds the time it takes to spent.
type timed struct {
	activity.Applier
	spent *atomic.Int64
}

func (t timed) ApplySessions(ctx context.Context, tx pgx.Tx, changes []activity.Change) error {
	start := time.Now()
	defer func() { t.spent.Add(int64(time.Since(start))) }()
	return t.Applier.ApplySessions(ctx, tx, changes)
}

// timedPreparer is a timed Applier that is an activity.Preparer too: the
// time it prepares is its feature's.
type timedPreparer struct{ timed }

func (t timedPreparer) Prepare(ctx context.Context, sessions []*activity.Session) error {
	start := time.Now()
	defer func() { t.spent.Add(int64(time.Since(start))) }()
	return t.Applier.(activity.Preparer).Prepare(ctx, sessions)
}

func (t timed) name() string {
	switch t.Applier.(type) {
	case *achieveservice.Service:
		return "achievements"
	case *leaderboard.Service:
		return "leaderboards"
	}
	return "challenges"
}

// addChallenges makes four global challenges (most distance, a group goal,
// fastest 5 km, longest session) that every user takes part in.
func addChallenges(b *testing.B, pool *pgxpool.Pool, log *slog.Logger, users []uuid.UUID, appliers *[]activity.Applier) {
	ctx := context.Background()
	challenges := challengeservice.New(pool, log, nil, nil)
	from := time.Now().UTC().AddDate(0, 0, -61)
	target := 1e12
	for _, spec := range []challenge.Spec{
		{Title: "Distance", Kind: challenge.MostActivity, Metric: challenge.Distance},
		{Title: "Goal", Kind: challenge.GroupGoal, Metric: challenge.Distance, Target: &target},
		{Title: "5 km", Kind: challenge.FastestEffort, Effort: "5k"},
		{Title: "Longest", Kind: challenge.LongestSession, Metric: challenge.Distance},
	} {
		spec.StartsAt, spec.EndsAt = from, from.AddDate(0, 0, 90)
		_, err := challenges.Create(ctx, uuid.New(), true, spec)
		require.NoError(b, err)
	}
	_, err := pool.Exec(ctx, `INSERT INTO gamification.challenge_participants (challenge_id, user_id, joined_at)
		SELECT c.id, u, $2 FROM gamification.challenges c, unnest($1::uuid[]) AS u`, users, from)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `VACUUM ANALYZE gamification.challenge_participants`)
	require.NoError(b, err)
	*appliers = append(*appliers, challenges)

}
