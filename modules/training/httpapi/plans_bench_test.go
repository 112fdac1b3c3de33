package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/apptest"
)

// BenchmarkPlanCreate is plan generation as the app asks for it: POST
// /v1/plans over HTTP through the front, the RPC, the user's last 90 days
// of sessions read and the athlete's state computed (VDOT of the best
// effort, weekly volume, longest session), plan.Build, and the plan, its
// workouts and the answer's calendar (matched against the sessions)
// stored and read back in one transaction, until the 201. The user has five
// years of history: 1,560 finished sessions (runs with best efforts, rides,
// strength), seeded straight into the database. The goals, asked in turn:
// a half marathon in 16 weeks, a marathon in 20 weeks with a target time,
// 300 minutes a week of running, and fitness around cycling. It reports the
// 50th and 99th percentiles of the answers.
//
//	go test ./modules/training/httpapi -run '^$' -bench PlanCreate -benchtime 200x
func BenchmarkPlanCreate(b *testing.B) {
	a := apptest.Start(b, "client", "training")
	token := a.SignUp("ana@example.com").AccessToken
	var me struct {
		UserID string `json:"user_id"`
	}
	a.Do(http.MethodGet, "/v1/me", token, nil).JSON(b, &me)
	ctx := context.Background()
	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	// Six sessions a week for five years: four runs (one long, with best
	// efforts), a ride and a strength session.
	if _, err := db.Exec(ctx, `INSERT INTO training.sessions (id, user_id, sport, state, visibility, started_at, finished_at, summary)
		SELECT gen_random_uuid(), $1, s.sport, 'finished', 'private', s.start, s.start + make_interval(secs => s.secs),
		       jsonb_build_object('distance_m', s.metres, 'moving_time_s', s.secs, 'elapsed_time_s', s.secs + 60,
		                          'best_efforts', CASE WHEN s.sport = 'run' THEN jsonb_build_array(
		                              jsonb_build_object('name', '5k', 'distance_m', 5000, 'elapsed_time_s', 1500 - (k % 60)),
		                              jsonb_build_object('name', '10k', 'distance_m', 10000, 'elapsed_time_s', 3100 - (k % 90)))
		                          ELSE '[]'::jsonb END)
		FROM generate_series(1, 1560) AS k,
		LATERAL (SELECT now() - make_interval(days => (k * 7) / 6) + interval '7 hours' AS start,
		                CASE k % 6 WHEN 0 THEN 'ride' WHEN 1 THEN 'strength' ELSE 'run' END AS sport,
		                CASE k % 6 WHEN 0 THEN 5400 WHEN 1 THEN 2700 WHEN 2 THEN 5400 ELSE 2700 + (k % 5) * 300 END AS secs,
		                CASE k % 6 WHEN 0 THEN 45000 WHEN 1 THEN 0 WHEN 2 THEN 17000 ELSE 8000 + (k % 5) * 1000 END AS metres) s`, me.UserID); err != nil {
		b.Fatal(err)
	}
	goals := []map[string]any{
		{"sport": "run", "goal": map[string]any{"kind": "race", "distance": "half_marathon", "date": day(16 * 7)},
			"schedule": map[string]any{"days": []string{"tuesday", "thursday", "saturday", "sunday"}, "max_minutes": 120, "long_day": "sunday"}},
		{"sport": "run", "goal": map[string]any{"kind": "race", "distance": "marathon", "date": day(20 * 7), "target_time_s": 3*3600 + 45*60},
			"schedule": map[string]any{"days": []string{"monday", "tuesday", "thursday", "friday", "sunday"}, "max_minutes": 150}},
		{"sport": "run", "goal": map[string]any{"kind": "volume", "weekly_minutes": 300, "weeks": 12},
			"schedule": map[string]any{"days": []string{"monday", "wednesday", "friday", "saturday", "sunday"}, "max_minutes": 90}},
		{"sport": "ride", "goal": map[string]any{"kind": "fitness", "weeks": 12},
			"schedule": map[string]any{"days": []string{"tuesday", "thursday", "saturday"}, "max_minutes": 90}},
	}
	bodies := make([][]byte, len(goals))
	for i, g := range goals {
		if bodies[i], err = json.Marshal(g); err != nil {
			b.Fatal(err)
		}
		// Each goal works for this athlete.
		if r := a.Do(http.MethodPost, "/v1/plans", token, g); r.Status != http.StatusCreated {
			b.Fatalf("goal %d: %d %s", i, r.Status, r.Body)
		}
	}
	benchRequests(b, a, http.StatusCreated, func(k int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, a.BaseURL+"/v1/plans", bytes.NewReader(bodies[k%len(bodies)]))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		return req, nil
	})
}

// benchRequests sends b.N requests made by newRequest (k counts from 0),
// one at a time, fails the benchmark on any answer but want, and reports
// the 50th and 99th percentiles of the answers' times.
func benchRequests(b *testing.B, a *apptest.App, want int, newRequest func(k int) (*http.Request, error)) {
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for k := range b.N {
		req, err := newRequest(k)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		resp, err := a.Client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		took = append(took, time.Since(start))
		if resp.StatusCode != want {
			b.Fatalf("%d %s", resp.StatusCode, reply)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	pct := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
}
