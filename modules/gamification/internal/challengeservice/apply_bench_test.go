package challengeservice_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengeservice"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkApplySessions measures session events applied by the module's
// consumer path (activity.ApplyOnce: messages recorded, revisions, the
// sessions read model) in batches of 500, without any feature
// ("read-models") and with the challenges' applier, for users who take
// part in four challenges (most distance, a group goal, fastest 5 km,
// longest session; every event counts for the four) and for users who
// take part in one of them. The difference is the challenges' share of
// the module's throughput.
//
//	go test ./modules/gamification/internal/challengeservice -run '^$' -bench ApplySessions -benchtime 40x
func BenchmarkApplySessions(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	from := time.Now().UTC().Add(-24 * time.Hour)
	s := challengeservice.New(pool, slog.Default(), nil, nil)
	admin := uuid.New()
	target := 1e12
	for _, spec := range []challenge.Spec{
		{Title: "Distance", Kind: challenge.MostActivity, Metric: challenge.Distance},
		{Title: "Goal", Kind: challenge.GroupGoal, Metric: challenge.Distance, Target: &target},
		{Title: "5 km", Kind: challenge.FastestEffort, Effort: "5k"},
		{Title: "Longest", Kind: challenge.LongestSession, Metric: challenge.Distance},
	} {
		spec.StartsAt, spec.EndsAt = from, from.Add(30*24*time.Hour)
		if _, err := s.Create(ctx, admin, true, spec); err != nil {
			b.Fatal(err)
		}
	}
	const users = 10_000
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_users AS SELECT gen_random_uuid() AS id, i FROM generate_series(0, $1 - 1) AS i`, users); err != nil {
		b.Fatal(err)
	}
	// The first 10,000 users take part in the four challenges, the next
	// 10,000 in one each.
	if _, err := pool.Exec(ctx, `INSERT INTO bench_users SELECT gen_random_uuid(), i FROM generate_series($1, 2 * $1 - 1) AS i`, users); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO gamification.challenge_participants (challenge_id, user_id, joined_at)
		SELECT c.id, u.id, $1 FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM gamification.challenges) c, bench_users u
		WHERE u.i < $2 OR (u.i % 4) = c.k`, from, users); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE gamification.challenge_participants`); err != nil {
		b.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT id FROM bench_users ORDER BY i`)
	if err != nil {
		b.Fatal(err)
	}
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()

	const batch = 500
	n := 0
	events := func(offset int) ([]string, []activity.Event) {
		msgs, evs := make([]string, batch), make([]activity.Event, batch)
		for i := range evs {
			n++
			id, user := uuid.New(), ids[offset+(n*7919)%users]
			at := from.Add(time.Duration(n%1000) * time.Minute)
			evs[i] = activity.Event{SessionID: id, UserID: user, Revision: 1, Session: &activity.Session{ID: id, UserID: user,
				Sport: "run", StartedAt: at, CompletedAt: at.Add(time.Hour), DistanceM: float64(5000 + n%20000),
				MovingTimeS: 3000, ElapsedTimeS: 3100, ElevationGainM: 40, Plausible: true,
				BestEfforts: map[string]float64{"1k": 280, "5k": float64(1300 + n%600)}, Revision: 1}}
			msgs[i] = "bench-" + id.String()
		}
		return msgs, evs
	}
	for _, bc := range []struct {
		name     string
		appliers []activity.Applier
		users    int // offset of the users the events are of
	}{
		{"read-models", nil, 0},
		{"challenges-4-per-user", []activity.Applier{s}, 0},
		{"challenges-1-per-user", []activity.Applier{s}, users},
	} {
		b.Run(bc.name, func(b *testing.B) {
			start := time.Now()
			for range b.N {
				msgs, evs := events(bc.users)
				if err := activity.ApplyOnce(ctx, pool, msgs, evs, bc.appliers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "events/s")
		})
	}
}
