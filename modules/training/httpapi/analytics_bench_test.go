package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
)

// seedHistory gives user five years of finished sessions, one every 29
// hours up to now (1,511 sessions: 60 % runs with best efforts, 25 %
// rides, 15 % strength), straight into the tables and the analytics read
// model, as the session events would have left them.
func seedHistory(tb testing.TB, a *apptest.App, user string) int {
	tb.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close(ctx)
	var n int
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE seed ON COMMIT DROP AS
			SELECT gen_random_uuid() AS id, i,
			  now() - make_interval(hours => 29 * i) AS started_at,
			  CASE WHEN i % 20 < 12 THEN 'run' WHEN i % 20 < 17 THEN 'ride' ELSE 'strength' END AS sport
			FROM generate_series(1, 1511) AS i`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO training.sessions (id, user_id, sport, state, visibility, started_at, finished_at, summary)
			SELECT id, $1, sport, 'finished', 'private', started_at, started_at + interval '1 hour',
			  jsonb_build_object('distance_m', 10000, 'moving_time_s', 3000, 'elapsed_time_s', 3600, 'elevation_gain_m', 50, 'points', 3600)
			FROM seed`, user); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO training.session_figures (session_id, user_id, sport, started_at, distance_m, moving_time_s,
			  elapsed_time_s, elevation_gain_m, load, load_model, trimp, strength_volume_kg, strength, revision)
			SELECT id, $1, sport, started_at, CASE sport WHEN 'strength' THEN 0 WHEN 'ride' THEN 40000 ELSE 8000 + 50 * (i % 100) END,
			  3000 + i % 600, 3600, 50, 40 + i % 80, CASE sport WHEN 'strength' THEN 'srpe' ELSE 'trimp' END,
			  CASE sport WHEN 'strength' THEN NULL ELSE 40 + i % 80 END, CASE sport WHEN 'strength' THEN 5000 + i ELSE 0 END,
			  CASE sport WHEN 'strength' THEN jsonb_build_array(jsonb_build_object('exercise', 'squat', 'sets', 5, 'volume_kg', 5000,
			    'e1rm_kg', 100 + i % 40, 'formula', 'epley', 'max_weight_kg', 80 + i % 30, 'max_reps', 5)) ELSE '[]' END, 1
			FROM seed`, user); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO training.session_efforts (session_id, distance_m, user_id, started_at, time_s, start_s, end_s)
			SELECT s.id, d.m, $1, s.started_at, d.m * (0.25 + (s.i % 37) / 1000.0), 60, 60 + d.m * (0.25 + (s.i % 37) / 1000.0)
			FROM seed s, (VALUES (400.0), (1000.0), (1609.344), (5000.0)) AS d(m) WHERE s.sport = 'run'`, user); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM seed`).Scan(&n)
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE training.session_figures, training.session_efforts, training.sessions`); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkAnalyticsFiveYears measures every analytics endpoint over HTTP
// through the front, one request at a time, for a user with five years of
// history (1,511 sessions, strength included), and reports the p50 and
// p99 of each.
//
//	go test ./modules/training/httpapi -run '^$' -bench AnalyticsFiveYears -benchtime 2000x
func BenchmarkAnalyticsFiveYears(b *testing.B) {
	a := apptest.Start(b, "client", "training")
	tok := a.SignUp("ana@example.com")
	r := a.Do(http.MethodPatch, "/v1/me", tok.AccessToken, map[string]any{"time_zone": "Europe/Berlin", "resting_hr_bpm": 50, "max_hr_bpm": 190})
	if r.Status != http.StatusOK {
		b.Fatal(r.Status, string(r.Body))
	}
	seedHistory(b, a, tok.UserID)
	for _, c := range []struct{ name, path string }{
		{"summary-week", "/v1/analytics/summary?period=week"},
		{"summary-year", "/v1/analytics/summary?period=year"},
		{"summary-all", "/v1/analytics/summary?period=all"},
		{"fitness-90-days", "/v1/analytics/fitness"},
		{"fitness-3-years", "/v1/analytics/fitness?from=2024-01-01&to=2026-12-31"},
		{"records", "/v1/analytics/records"},
		{"recommendations", "/v1/recommendations"},
	} {
		path := c.path
		b.Run(c.name, func(b *testing.B) {
			req := func() {
				q, err := http.NewRequest(http.MethodGet, a.BaseURL+path, nil)
				if err != nil {
					b.Fatal(err)
				}
				q.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				resp, err := a.Client.Do(q)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.StatusCode, string(body))
				}
			}
			for range 20 {
				req() // warm up: connections, plans
			}
			h := &loadgen.Histogram{}
			b.ResetTimer()
			for range b.N {
				t := time.Now()
				req()
				h.Record(time.Since(t))
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
