// Package leaderboard is `athlos loadgen leaderboard`: a board of a million
// users (the all-time distance board of every sport), seeded straight
// into the gamification module's tables with COPY (registering a million
// accounts over HTTP would take hours), and real accounts among them that
// read it over the public HTTP API: the top 50, and their own rank with
// two neighbours on either side. It reports each read's latency.
package leaderboard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/internal/loadgen/app"
	"github.com/athlos/athlos/modules/gamification/api"
)

// SeededID is the id of the i-th seeded user: a fixed prefix, so a seed
// is recognised (and not made twice).
func SeededID(i int) uuid.UUID {
	var u uuid.UUID
	copy(u[:], []byte{0x1b, 0x5e, 0xed, 0x00})
	binary.BigEndian.PutUint64(u[8:], uint64(i))
	u[6] = 0x40 // version 4, variant 10: a valid UUID
	u[8] = u[8]&0x3f | 0x80
	return u
}

// Distance is the seeded distance of user i, in centimetres: most users
// under 5,000 km (exponential, 1,000 km on average), a few far beyond,
// many ties in the 10 m buckets.
func Distance(r *rand.Rand) int64 {
	km := r.ExpFloat64() * 1000
	if r.IntN(1000) == 0 {
		km = r.Float64() * 200_000
	}
	return int64(km*100_000) + 1000
}

// Seed puts users users on the all-time distance board of every sport
// (and in gamification.users, 1 in 100 opted out), unless they are there
// already; it returns the board's slot id. It writes with COPY, users
// first (so that their listing trigger has no totals to announce), and
// analyses the tables.
func Seed(ctx context.Context, pool *pgxpool.Pool, users int, progress io.Writer) (int32, error) {
	var slot int32
	err := pool.QueryRow(ctx, `
		WITH ins AS (INSERT INTO gamification.board_slots (period, period_start, sport) VALUES ('all', '0001-01-01', '')
			ON CONFLICT DO NOTHING RETURNING id)
		SELECT id FROM ins UNION ALL
		SELECT id FROM gamification.board_slots WHERE period = 'all' AND period_start = '0001-01-01' AND sport = '' LIMIT 1`).Scan(&slot)
	if err != nil {
		return 0, fmt.Errorf("seed: the board's slot: %w", err)
	}
	var have int
	err = pool.QueryRow(ctx, `SELECT count(*) FROM gamification.board_totals WHERE slot_id = $1 AND user_id >= $2 AND user_id <= $3`,
		slot, SeededID(0), SeededID(users-1)).Scan(&have)
	if err != nil {
		return 0, fmt.Errorf("seed: count: %w", err)
	}
	if have >= users {
		return slot, nil
	}
	if have > 0 {
		return 0, fmt.Errorf("seed: %d of %d seeded users are there already: delete them or seed as many", have, users)
	}
	countries := []string{"DE", "FR", "IT", "ES", "GB", "US", "NL", "PL", "SE", "BR"}
	now := time.Now()
	start := time.Now()
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"gamification", "users"},
		[]string{"user_id", "display_name", "country", "show_in_leaderboards", "updated_at"},
		pgx.CopyFromFunc(func() func() ([]any, error) {
			i := 0
			return func() ([]any, error) {
				if i == users {
					return nil, nil
				}
				row := []any{SeededID(i), fmt.Sprintf("Seeded %d", i), countries[i%len(countries)], i%100 != 99, now}
				i++
				return row, nil
			}
		}()))
	if err != nil {
		return 0, fmt.Errorf("seed: users: %w", err)
	}
	r := rand.New(rand.NewPCG(uint64(users), 14))
	m, err := pool.CopyFrom(ctx, pgx.Identifier{"gamification", "board_totals"},
		[]string{"slot_id", "user_id", "distance_cm", "moving_time_ms", "sessions"},
		pgx.CopyFromFunc(func() func() ([]any, error) {
			i := 0
			return func() ([]any, error) {
				if i == users {
					return nil, nil
				}
				d := Distance(r)
				row := []any{slot, SeededID(i), d, d * 3 / 10, 1 + d/1_000_000}
				i++
				return row, nil
			}
		}()))
	if err != nil {
		return 0, fmt.Errorf("seed: totals: %w", err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE gamification.users; ANALYZE gamification.board_totals`); err != nil {
		return 0, fmt.Errorf("seed: analyse: %w", err)
	}
	if progress != nil {
		fmt.Fprintf(progress, "seeded %d users and %d totals in %s\n", n, m, time.Since(start).Round(time.Millisecond))
	}
	return slot, nil
}

// Config is one run.
type Config struct {
	BaseURL, DatabaseURL string
	// Users are seeded on the board; Readers accounts are registered
	// over HTTP, put on it too, and read it, Concurrency at a time, for
	// Duration (after Warmup of reads not counted).
	Users, Readers, Concurrency int
	Warmup, Duration            time.Duration
	// RunID names the accounts (loadgen-board-<run id>-<i>@example.com);
	// empty: random.
	RunID    string
	Progress io.Writer
}

// Reads measured, by the name the report gives them.
const (
	ReadTop  = "top50"           // GET /v1/leaderboards?period=all&limit=50&neighbours=0
	ReadRank = "rank_neighbours" // GET /v1/leaderboards?period=all&limit=1&neighbours=2
)

// Report is what a run measured.
type Report struct {
	RunID   string                          `json:"run_id"`
	Users   int                             `json:"users"`
	Readers int                             `json:"readers"`
	Reads   map[string]loadgen.LatencyStats `json:"reads"`
	PerSec  map[string]float64              `json:"per_s"`
	Errors  uint64                          `json:"errors"`
	// FirstError is the first failed read, if any.
	FirstError string `json:"first_error,omitempty"`
}

// Run seeds the board, registers the readers and measures their reads.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Readers < 1 || cfg.Concurrency < 1 || cfg.Users < 1 {
		return nil, errors.New("users, readers and concurrency must be at least 1")
	}
	if cfg.RunID == "" {
		cfg.RunID = uuid.NewString()[:8]
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("the database: %w", err)
	}
	defer pool.Close()
	slot, err := Seed(ctx, pool, cfg.Users, cfg.Progress)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency * 2}}
	c := app.New(cfg.BaseURL, hc)
	tokens := make([]string, cfg.Readers)
	ids := make([]uuid.UUID, cfg.Readers)
	for i := range tokens {
		tok, err := c.SignUp(ctx, fmt.Sprintf("loadgen-board-%s-%d@example.com", cfg.RunID, i), "correct horse battery staple")
		if err != nil {
			return nil, err
		}
		var me struct {
			UserID uuid.UUID `json:"user_id"`
		}
		if err := c.Do(ctx, http.MethodGet, "/v1/me", tok.AccessToken, nil, &me, http.StatusOK); err != nil {
			return nil, err
		}
		tokens[i], ids[i] = tok.AccessToken, me.UserID
	}
	if err := awaitKnown(ctx, pool, ids); err != nil {
		return nil, err
	}
	if err := placeReaders(ctx, pool, slot, ids); err != nil {
		return nil, err
	}
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "%d readers registered and on the board\n", cfg.Readers)
	}
	paths := map[string]string{ReadTop: "/v1/leaderboards?period=all&limit=50&neighbours=0",
		ReadRank: "/v1/leaderboards?period=all&limit=1&neighbours=2"}
	rep := &Report{RunID: cfg.RunID, Users: cfg.Users, Readers: cfg.Readers, Reads: map[string]loadgen.LatencyStats{},
		PerSec: map[string]float64{}}
	workers := func(path string) []loadgen.Func {
		out := make([]loadgen.Func, cfg.Concurrency)
		for w := range out {
			k := w
			out[w] = func() error {
				k = (k + cfg.Concurrency) % len(tokens)
				var b api.Leaderboard
				if err := c.Do(ctx, http.MethodGet, path, tokens[k], nil, &b, http.StatusOK); err != nil {
					return err
				}
				if path == paths[ReadRank] && b.Me.Rank == nil {
					return fmt.Errorf("reader %s has no rank", ids[k])
				}
				return nil
			}
		}
		return out
	}
	for _, name := range []string{ReadTop, ReadRank} {
		loadgen.Closed(ctx, workers(paths[name]), cfg.Warmup) // the first read loads the board in memory
		res := loadgen.Closed(ctx, workers(paths[name]), cfg.Duration)
		rep.Reads[name] = res.Latency.Stats()
		rep.PerSec[name] = res.Throughput()
		rep.Errors += res.Errors
		if res.FirstError != nil && rep.FirstError == "" {
			rep.FirstError = res.FirstError.Error()
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "%s: %d reads\n", name, res.Requests)
		}
	}
	return rep, ctx.Err()
}

// awaitKnown waits (up to a minute) until gamification has heard of the
// readers' registrations: a user is on the boards only from then on.
func awaitKnown(ctx context.Context, pool *pgxpool.Pool, ids []uuid.UUID) error {
	return loadgen.AwaitCount(ctx, pool, "readers known to gamification",
		`SELECT count(*) FROM gamification.users WHERE user_id = ANY($1)`, ids)
}

// placeReaders puts the readers on the board at random seeded distances,
// and tells every process running the module (as the module does).
func placeReaders(ctx context.Context, pool *pgxpool.Pool, slot int32, ids []uuid.UUID) error {
	r := rand.New(rand.NewPCG(uint64(len(ids)), 7))
	dist := make([]int64, len(ids))
	users := make([]string, len(ids))
	for i := range ids {
		dist[i], users[i] = Distance(r), ids[i].String()
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO gamification.board_totals (slot_id, user_id, distance_cm, sessions)
			SELECT $1, u, d, 1 FROM unnest($2::uuid[], $3::bigint[]) AS k(u, d)
			ON CONFLICT (slot_id, user_id) DO UPDATE SET distance_cm = excluded.distance_cm`, slot, ids, dist)
		if err != nil {
			return fmt.Errorf("place the readers: %w", err)
		}
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventLeaderboardChanged, api.LeaderboardChanged{Slots: []int32{slot}, Users: users})
		return err
	})
}

// WriteText prints the report as a table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "leaderboard of %d users, %d readers (run %s)\n", r.Users, r.Readers, r.RunID)
	fmt.Fprintln(tw, "read\tcount\tper s\tp50 ms\tp90 ms\tp99 ms\tmax ms")
	for _, name := range []string{ReadTop, ReadRank} {
		s := r.Reads[name]
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\n", name, s.Count, r.PerSec[name], s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs)
	}
	if r.Errors > 0 {
		fmt.Fprintf(tw, "errors\t%d\t%s\n", r.Errors, r.FirstError)
	}
	return tw.Flush()
}
