package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules/training/internal/plan"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkApplySessionEvent is applying one session event to all
// analytics (Service.ApplySessionEvent and its commit) for a user with
// five years of history (1,511 sessions in the read model, 3,628 best
// efforts): a run's track (1 Hz, with heart rate; written when the session
// finished) read back,
// its load, best efforts and strength figures computed, the figures and
// efforts replaced, the records compared; each iteration is a new
// revision, so every one computes.
//
//	go test ./modules/training/internal/service -run '^$' -bench ApplySessionEvent -benchtime 300x
//
// The "consumer" cases are the whole step of the module's consumer
// (Service.OnSessionEvent in bus.HandleOnce: the message recorded as
// processed, the analytics, and the active plan matched and adapted in a
// savepoint), for a user with an active plan.
func BenchmarkApplySessionEvent(b *testing.B) {
	for _, c := range []struct {
		n        int
		consumer bool
	}{{600, false}, {3600, false}, {600, true}} {
		n := c.n
		name := fmt.Sprintf("points=%d", n)
		if c.consumer {
			name = fmt.Sprintf("consumer-with-plan/points=%d", n)
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			pool := pgtest.NewPool(b)
			s := service.New(pool, nil, nil, nil, nil)
			user, id := uuid.New(), uuid.Must(uuid.NewV7())
			start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
			if _, err := pool.Exec(ctx, seedSQL, user); err != nil {
				b.Fatal(err)
			}
			hr := 150
			pts := make([]telemetry.Point, n)
			for i := range pts {
				pts[i] = telemetry.Point{T: start.Add(time.Duration(i) * time.Second), Lat: 52.5 + float64(i)*3/111_257.0, Lon: 13.4, HR: &hr}
			}
			err := storage.InTx(ctx, pool, func(tx pgx.Tx) error {
				if err := store.InsertSession(ctx, tx, store.NewSession{ID: id, User: user, Sport: "run", Visibility: "private", StartedAt: start}); err != nil {
					return err
				}
				var rows store.PointRows
				rows.Add(id, pts)
				if _, _, err := store.WritePoints(ctx, tx, rows, false); err != nil {
					return err
				}
				end := pts[n-1].T
				if err := store.SetState(ctx, tx, id, session.Finished, &end); err != nil {
					return err
				}
				track := make([]store.TrackSample, n)
				for i := range track {
					track[i] = store.TrackSample{T: float64(i), D: 3 * float64(i), HR: hr}
				}
				if err := store.SaveTrack(ctx, tx, id, track); err != nil { // as finishing writes it
					return err
				}
				avg := 150.0
				return store.SetSummary(ctx, tx, id, store.Summary{DistanceM: float64(n) * 3, ElapsedTimeS: float64(n), MovingTimeS: float64(n), AvgHRBpm: &avg})
			})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, `ANALYZE training.session_figures, training.session_efforts, training.points`); err != nil {
				b.Fatal(err)
			}
			if c.consumer {
				req := plan.Request{Sport: "run", Goal: plan.Goal{Kind: plan.GoalFitness, Weeks: 12},
					Schedule: plan.Schedule{Days: []time.Weekday{time.Monday, time.Wednesday, time.Friday, time.Saturday}, MaxMinutes: 90}}
				if _, err := s.CreatePlan(ctx, user, req); err != nil {
					b.Fatal(err)
				}
			}
			h := &loadgen.Histogram{}
			b.ResetTimer()
			for k := range b.N {
				ev := service.SessionEvent{Kind: service.SessionUpdated, Session: id, User: user, Revision: int64(k + 1)}
				t := time.Now()
				var err error
				if c.consumer {
					_, err = bus.HandleOnce(ctx, pool, "training", "bench", uuid.NewString(), func(ctx context.Context, tx pgx.Tx) error {
						adaptErr, err := s.OnSessionEvent(ctx, tx, ev)
						if adaptErr != nil {
							b.Fatal(adaptErr)
						}
						return err
					})
				} else {
					err = storage.InTx(ctx, pool, func(tx pgx.Tx) error { return s.ApplySessionEvent(ctx, tx, ev) })
				}
				if err != nil {
					b.Fatal(err)
				}
				h.Record(time.Since(t))
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}

// seedSQL gives $1 five years of finished sessions in the analytics read
// model (one every 29 hours: runs with best efforts, rides, strength).
const seedSQL = `WITH seed AS (
	SELECT gen_random_uuid() AS id, i, now() - make_interval(hours => 29 * i) AS started_at,
	  CASE WHEN i % 20 < 12 THEN 'run' WHEN i % 20 < 17 THEN 'ride' ELSE 'strength' END AS sport
	FROM generate_series(1, 1511) AS i),
  s AS (INSERT INTO training.sessions (id, user_id, sport, state, visibility, started_at, finished_at)
	SELECT id, $1, sport, 'finished', 'private', started_at, started_at + interval '1 hour' FROM seed RETURNING id),
  f AS (INSERT INTO training.session_figures (session_id, user_id, sport, started_at, distance_m, moving_time_s, elapsed_time_s,
	  elevation_gain_m, load, load_model, strength_volume_kg, strength, revision)
	SELECT id, $1, sport, started_at, 8000, 3000, 3600, 50, 40 + i % 80, 'trimp', CASE sport WHEN 'strength' THEN 5000 ELSE 0 END,
	  CASE sport WHEN 'strength' THEN jsonb_build_array(jsonb_build_object('exercise', 'squat', 'e1rm_kg', 100 + i % 40,
	    'formula', 'epley', 'max_weight_kg', 80 + i % 30)) ELSE '[]' END, 1
	FROM seed WHERE id IN (SELECT id FROM s))
INSERT INTO training.session_efforts (session_id, distance_m, user_id, started_at, time_s, start_s, end_s)
SELECT id, d.m, $1, started_at, d.m * (0.25 + (i % 37) / 1000.0), 60, 60 + d.m * 0.3
FROM seed, (VALUES (400.0), (1000.0), (1609.344), (5000.0)) AS d(m) WHERE sport = 'run' AND id IN (SELECT id FROM s)`
