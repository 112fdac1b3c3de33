// Package offers is `athlos loadgen offers`: promo's read model seeded
// with the facts of many users and a thousand active offers (straight into
// the promo module's tables with COPY: registering 100,000 accounts over
// HTTP would take hours), real accounts that take the facts of seeded
// users and ask for their offers over the public HTTP API (the latency of
// GET /v1/offers), and then the exactness of budgets and caps: 100 readers
// at once on an offer with a budget of 50 (exactly 50 served), and one
// reader 100 times at once on an offer capped at 3 (exactly 3 served).
package offers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/internal/loadgen/app"
	"github.com/athlos/athlos/modules/promo/api"
)

// Definitions draws n offers running now (started a day ago, ending in 30
// days) with large budgets, from seed: about a third untargeted, the
// others with one to three rules of every kind (countries, languages,
// sports, age, sessions per week, new users, worn shoes, challenges).
func Definitions(n int, seed uint64, now time.Time) []api.OfferDefinition {
	r := rand.New(rand.NewPCG(seed, 0x6f66666572))
	countries := []string{"DE", "US", "GB", "FR", "ES", "IT", "NL", "BR", "AT", "CH", "CA", "AU", "PL", "SE", "JP"}
	langs := []string{"de", "en", "fr", "es", "it", "nl", "pt", "ja", "pl", "sv"}
	sports := []string{"run", "ride", "walk", "strength", "hike", "swim", "mountain_bike", "trail_run", "yoga", "row"}
	pick := func(from []string, k int) []string {
		out := make([]string, 0, k)
		for _, i := range r.Perm(len(from))[:k] {
			out = append(out, from[i])
		}
		return out
	}
	out := make([]api.OfferDefinition, n)
	for i := range out {
		d := api.OfferDefinition{
			Name: fmt.Sprintf("offer %d", i),
			Content: map[string]api.OfferContent{
				"en": {Title: fmt.Sprintf("Offer %d", i), Body: "A good deal on gear for your next session."},
				"de": {Title: fmt.Sprintf("Angebot %d", i), Body: "Ein gutes Angebot für deine nächste Einheit."},
			},
			DefaultLanguage: "en", CTAURL: fmt.Sprintf("https://shop.example/offers/%d", i),
			StartsAt: now.Add(-24 * time.Hour).UTC().Truncate(time.Second), EndsAt: now.Add(30 * 24 * time.Hour).UTC().Truncate(time.Second),
			Priority: r.IntN(101), Budget: api.OfferBudget{Impressions: 1_000_000_000},
		}
		if r.IntN(4) == 0 {
			d.FrequencyCap = &api.FrequencyCap{Count: 1 + r.IntN(20), PeriodS: 3600 * int64(1+r.IntN(24))}
		}
		if r.IntN(3) > 0 {
			t := &d.Targeting
			for _, k := range r.Perm(8)[:1+r.IntN(3)] {
				switch k {
				case 0:
					t.Countries = pick(countries, 1+r.IntN(4))
				case 1:
					t.Languages = pick(langs, 1+r.IntN(3))
				case 2:
					t.Sports = pick(sports, 1+r.IntN(3))
				case 3:
					maxAge := 30 + r.IntN(40)
					t.Age = &api.AgeRange{Min: 18 + r.IntN(12), Max: &maxAge}
				case 4:
					lo := float64(r.IntN(4))
					t.SessionsPerWeek = &api.NumberRange{Min: &lo}
				case 5:
					t.NewUsers = &api.NewUsersRule{MaxDays: 30 + r.IntN(60)}
				case 6:
					t.Gear = []api.GearRule{{Type: "shoes", MinWornFraction: 0.8}}
				case 7:
					t.Challenges = &api.ChallengeRule{Any: true}
				}
			}
		}
		out[i] = d
	}
	return out
}

// InsertOffers COPYs the offers into promo.offers (as the admin API would
// have stored them) and returns their ids; every process serves them
// within its cache's reload period.
func InsertOffers(ctx context.Context, db *pgxpool.Pool, defs []api.OfferDefinition) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, len(defs))
	now := time.Now()
	i := 0
	_, err := db.CopyFrom(ctx, pgx.Identifier{"promo", "offers"},
		[]string{"id", "definition", "starts_at", "ends_at", "budget_impressions", "budget_clicks", "created_at", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(defs) {
				return nil, nil
			}
			d := defs[i]
			b, err := json.Marshal(d)
			if err != nil {
				return nil, err
			}
			ids[i] = uuid.New()
			row := []any{ids[i], b, d.StartsAt, d.EndsAt, d.Budget.Impressions, d.Budget.Clicks, now, now}
			i++
			return row, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("insert offers: %w", err)
	}
	if _, err := db.Exec(ctx, `ANALYZE promo.offers`); err != nil {
		return nil, fmt.Errorf("analyse offers: %w", err)
	}
	return ids, nil
}

// Impersonate gives each reader the facts of a seeded user (country,
// language, birth date, registration, sessions, gear and challenges), as
// the read model would hold them had the reader lived that life.
func Impersonate(ctx context.Context, db *pgxpool.Pool, readers, seeded []uuid.UUID) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		for i, r := range readers {
			s := seeded[(i*7919)%len(seeded)]
			for _, q := range []string{
				`UPDATE promo.users u SET birth_date = s.birth_date, country = s.country, language = s.language, registered_at = s.registered_at
				   FROM promo.users s WHERE u.user_id = $1 AND s.user_id = $2`,
				`INSERT INTO promo.user_sessions (session_id, user_id, sport, started_at, revision, deleted)
				 SELECT gen_random_uuid(), $1, sport, started_at, 1, false FROM promo.user_sessions WHERE user_id = $2 AND NOT deleted`,
				`INSERT INTO promo.user_gear (gear_id, user_id, type, distance_m, replacement_threshold_m, retired, deleted, changed_at)
				 SELECT gen_random_uuid(), $1, type, distance_m, replacement_threshold_m, retired, deleted, changed_at FROM promo.user_gear WHERE user_id = $2`,
				`INSERT INTO promo.user_challenges (user_id, challenge_id, joined, changed_at)
				 SELECT $1, challenge_id, joined, changed_at FROM promo.user_challenges WHERE user_id = $2`,
			} {
				if _, err := tx.Exec(ctx, q, r, s); err != nil {
					return fmt.Errorf("impersonate: %w", err)
				}
			}
		}
		return nil
	})
}

// AwaitKnown waits (up to a minute) until promo has heard of the readers'
// registrations.
func AwaitKnown(ctx context.Context, db *pgxpool.Pool, ids []uuid.UUID) error {
	return loadgen.AwaitCount(ctx, db, "readers known to promo",
		`SELECT count(*) FROM promo.users WHERE user_id = ANY($1) AND registered_at IS NOT NULL`, ids)
}

// Seeder seeds the facts of users users into promo's tables (factstest.Seed
// through modules/promo/seed), returning their ids.
type Seeder func(ctx context.Context, db *pgxpool.Pool, users int) ([]uuid.UUID, error)

// Config is one run.
type Config struct {
	BaseURL, DatabaseURL string
	// Users are seeded in the read model, Offers active offers; Readers
	// accounts are registered over HTTP (100 at the least: the budget
	// check needs 100 users) and ask, Concurrency at a time, for Duration
	// after Warmup.
	Users, Offers, Readers, Concurrency int
	Warmup, Duration                    time.Duration
	RunID                               string
	Seed                                Seeder
	Progress                            io.Writer
}

// Report is what a run measured.
type Report struct {
	RunID       string               `json:"run_id"`
	Users       int                  `json:"users"`
	Offers      int                  `json:"offers"`
	Readers     int                  `json:"readers"`
	Concurrency int                  `json:"concurrency"`
	Latency     loadgen.LatencyStats `json:"get_offers"`
	PerSec      float64              `json:"per_s"`
	// ServedPerRequest is the mean number of offers a list held.
	ServedPerRequest float64 `json:"served_per_request"`
	// BudgetServed is how many of 100 concurrent requests (100 readers)
	// were served the offer with an impression budget of 50; CapServed
	// how many of 100 concurrent requests of one reader were served the
	// offer capped at 3 an hour.
	BudgetServed int64  `json:"budget_50_served"`
	CapServed    int64  `json:"cap_3_served"`
	Errors       uint64 `json:"errors"`
	FirstError   string `json:"first_error,omitempty"`
}

// Run seeds, registers the readers, measures GET /v1/offers and checks
// the budget and the cap under concurrency.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Readers < 100 || cfg.Concurrency < 1 || cfg.Users < 1 || cfg.Offers < 1 || cfg.Seed == nil {
		return nil, errors.New("users, offers and concurrency must be at least 1, readers at least 100")
	}
	if cfg.RunID == "" {
		cfg.RunID = uuid.NewString()[:8]
	}
	say := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("the database: %w", err)
	}
	defer pool.Close()
	start := time.Now()
	seeded, err := reuseSeed(ctx, pool, cfg.Users)
	if err != nil {
		return nil, err
	}
	if seeded == nil {
		if seeded, err = cfg.Seed(ctx, pool, cfg.Users); err != nil {
			return nil, err
		}
		say("seeded the facts of %d users in %s", len(seeded), time.Since(start).Round(time.Millisecond))
	} else {
		say("reusing the facts of %d users seeded before", len(seeded))
	}
	if _, err := pool.Exec(ctx, `UPDATE promo.offers SET deleted_at = now(), rev = nextval('promo.offer_rev') WHERE deleted_at IS NULL`); err != nil {
		return nil, fmt.Errorf("retire earlier runs' offers: %w", err)
	}
	offerIDs, err := InsertOffers(ctx, pool, Definitions(cfg.Offers, 1, time.Now()))
	if err != nil {
		return nil, err
	}
	say("%d offers active", len(offerIDs))
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	c := app.New(cfg.BaseURL, hc)
	tokens, ids, err := register(ctx, c, cfg)
	if err != nil {
		return nil, err
	}
	if err := AwaitKnown(ctx, pool, ids); err != nil {
		return nil, err
	}
	if err := Impersonate(ctx, pool, ids, seeded); err != nil {
		return nil, err
	}
	say("%d readers registered, each with a seeded user's facts", len(ids))
	time.Sleep(2 * time.Second) // every process reloads its offers (CacheReload)
	var lists, served atomic.Int64
	workers := make([]loadgen.Func, cfg.Concurrency)
	for w := range workers {
		k := w
		workers[w] = func() error {
			k = (k + cfg.Concurrency) % len(tokens)
			var l api.OfferList
			if err := c.Do(ctx, http.MethodGet, "/v1/offers", tokens[k], nil, &l, http.StatusOK); err != nil {
				return err
			}
			lists.Add(1)
			served.Add(int64(len(l.Items)))
			return nil
		}
	}
	loadgen.Closed(ctx, workers, cfg.Warmup)
	lists.Store(0)
	served.Store(0)
	res := loadgen.Closed(ctx, workers, cfg.Duration)
	rep := &Report{RunID: cfg.RunID, Users: len(seeded), Offers: len(offerIDs), Readers: len(ids), Concurrency: cfg.Concurrency,
		Latency: res.Latency.Stats(), PerSec: res.Throughput(), Errors: res.Errors}
	if n := lists.Load(); n > 0 {
		rep.ServedPerRequest = float64(served.Load()) / float64(n)
	}
	if res.FirstError != nil {
		rep.FirstError = res.FirstError.Error()
	}
	say("GET /v1/offers: %d requests", res.Requests)
	if err := exactness(ctx, pool, c, tokens, rep); err != nil {
		return nil, err
	}
	return rep, ctx.Err()
}

// reuseSeed returns users users of the read model when it has as many
// already (an earlier run's seed), nil otherwise.
func reuseSeed(ctx context.Context, pool *pgxpool.Pool, users int) ([]uuid.UUID, error) {
	rows, err := pool.Query(ctx, `SELECT user_id FROM promo.users ORDER BY user_id LIMIT $1`, users)
	if err != nil {
		return nil, fmt.Errorf("read the seed: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("read the seed: %w", err)
	}
	if len(ids) < users {
		return nil, nil
	}
	return ids, nil
}

// register signs up the readers over HTTP, a few at once.
func register(ctx context.Context, c *app.Client, cfg Config) ([]string, []uuid.UUID, error) {
	tokens := make([]string, cfg.Readers)
	ids := make([]uuid.UUID, cfg.Readers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	slots := make(chan struct{}, 4)
	for i := range tokens {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			tok, err := c.SignUp(ctx, fmt.Sprintf("loadgen-offers-%s-%d@example.com", cfg.RunID, i), "correct horse battery staple")
			var me struct {
				UserID uuid.UUID `json:"user_id"`
			}
			if err == nil {
				err = c.Do(ctx, http.MethodGet, "/v1/me", tok.AccessToken, nil, &me, http.StatusOK)
			}
			if err != nil {
				mu.Lock()
				first = cmpOr(first, err)
				mu.Unlock()
				return
			}
			tokens[i], ids[i] = tok.AccessToken, me.UserID
		})
	}
	wg.Wait()
	return tokens, ids, first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// exactness retires the run's offers and checks, with one offer at a
// time, that 100 concurrent requests of 100 readers are served an offer
// with an impression budget of 50 exactly 50 times, and 100 concurrent
// requests of one reader an offer capped at 3 an hour exactly 3 times.
func exactness(ctx context.Context, pool *pgxpool.Pool, c *app.Client, tokens []string, rep *Report) error {
	run := func(edit func(d *api.OfferDefinition), token func(i int) string) (int64, error) {
		if _, err := pool.Exec(ctx, `UPDATE promo.offers SET deleted_at = now(), rev = nextval('promo.offer_rev') WHERE deleted_at IS NULL`); err != nil {
			return 0, fmt.Errorf("retire offers: %w", err)
		}
		d := Definitions(1, 2, time.Now())[0]
		// Ending in two minutes, the schedule is all but over: pacing
		// allows the whole budget, which is what is checked.
		d.Targeting, d.FrequencyCap, d.EndsAt = api.Targeting{}, nil, time.Now().Add(2*time.Minute).UTC().Truncate(time.Second)
		edit(&d)
		ids, err := InsertOffers(ctx, pool, []api.OfferDefinition{d})
		if err != nil {
			return 0, err
		}
		time.Sleep(2 * time.Second) // every process reloads its offers
		var served atomic.Int64
		var firstErr atomic.Value
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				var l api.OfferList
				if err := c.Do(ctx, http.MethodGet, "/v1/offers", token(i), nil, &l, http.StatusOK); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				for _, o := range l.Items {
					if o.ID == ids[0].String() {
						served.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if err, _ := firstErr.Load().(error); err != nil {
			return 0, err
		}
		return served.Load(), nil
	}
	var err error
	rep.BudgetServed, err = run(func(d *api.OfferDefinition) { d.Budget.Impressions = 50 }, func(i int) string { return tokens[i] })
	if err != nil {
		return err
	}
	rep.CapServed, err = run(func(d *api.OfferDefinition) { d.FrequencyCap = &api.FrequencyCap{Count: 3, PeriodS: 3600} },
		func(int) string { return tokens[0] })
	return err
}

// WriteText prints the report as a table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "offers: %d active offers, %d users in the read model, %d readers, %d at once (run %s)\n",
		r.Offers, r.Users, r.Readers, r.Concurrency, r.RunID)
	fmt.Fprintln(tw, "request\tcount\tper s\tp50 ms\tp90 ms\tp99 ms\tmax ms\toffers per list")
	s := r.Latency
	fmt.Fprintf(tw, "GET /v1/offers\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", s.Count, r.PerSec, s.P50Ms, s.P90Ms, s.P99Ms, s.MaxMs, r.ServedPerRequest)
	fmt.Fprintf(tw, "100 concurrent requests, 100 users, impression budget 50\tserved %d\n", r.BudgetServed)
	fmt.Fprintf(tw, "100 concurrent requests, one user, cap 3 an hour\tserved %d\n", r.CapServed)
	if r.Errors > 0 {
		fmt.Fprintf(tw, "errors\t%d\t%s\n", r.Errors, r.FirstError)
	}
	return tw.Flush()
}
