// Package coach is `athlos loadgen coach`: athletes enter months of
// workouts by hand as an app does after the fact (runs and rides with
// heart rate, strength sessions with sets), correct and delete some, wait
// until their analytics add up to exactly what they entered, then read
// their analytics, records and recommendations and ask for a training
// plan. It reports each operation's latency, how long the analytics took
// to follow the last write, and every athlete whose analytics never added
// up. Everything goes through the public HTTP API.
package coach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/internal/loadgen/app"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// Config is one run.
type Config struct {
	// BaseURL is the HTTP front.
	BaseURL string
	// Athletes enter Sessions workouts each, spread over the last Days
	// days; Concurrency athletes work at once.
	Athletes, Sessions, Days, Concurrency int
	// Reads is how many rounds of analytics reads each athlete makes.
	Reads int
	// SettleTimeout bounds the wait for an athlete's analytics to add up.
	SettleTimeout time.Duration
	// RunID names the accounts (loadgen-coach-<run id>-<i>@example.com);
	// empty: random.
	RunID string
	// HTTPClient is used for every request (nil: one with a 30 s timeout).
	HTTPClient *http.Client
	// Progress, when set, gets a line as each phase ends.
	Progress io.Writer
}

// Reads of each round, by the name the report gives them.
const (
	ReadSummaryWeek     = "summary_week"
	ReadSummaryAll      = "summary_all"
	ReadFitness90Days   = "fitness_90_days"
	ReadFitnessYear     = "fitness_year"
	ReadRecords         = "records"
	ReadRecommendations = "recommendations"
)

// Report is what a run measured.
type Report struct {
	RunID    string `json:"run_id"`
	Athletes int    `json:"athletes"`
	// Entered, Corrected and Deleted count the sessions written.
	Entered   int     `json:"entered"`
	Corrected int     `json:"corrected"`
	Deleted   int     `json:"deleted"`
	TookS     float64 `json:"took_s"`
	// Enter is POST /v1/sessions of a manual session, Correct its PATCH,
	// Delete its DELETE.
	Enter   loadgen.LatencyStats `json:"enter"`
	Correct loadgen.LatencyStats `json:"correct"`
	Delete  loadgen.LatencyStats `json:"delete"`
	// Settle is the time from an athlete's last write to its analytics
	// adding up to what it entered (the event relay, the module's
	// consumer and the read model); Mismatched counts the athletes whose
	// analytics did not within SettleTimeout.
	Settle     loadgen.LatencyStats `json:"settle"`
	Mismatched int                  `json:"mismatched"`
	// Reads are the analytics reads by name (Read… constants); Plan is
	// POST /v1/plans.
	Reads map[string]loadgen.LatencyStats `json:"reads"`
	Plan  loadgen.LatencyStats            `json:"plan"`
	// Errors counts failed requests by operation; FirstErrors keeps the
	// first of each.
	Errors      map[string]int    `json:"errors"`
	FirstErrors map[string]string `json:"first_errors,omitempty"`
}

// ErrorCount is the total of Errors.
func (r *Report) ErrorCount() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "run %s: %d athletes, %d sessions entered, %d corrected, %d deleted in %.1f s\n",
		r.RunID, r.Athletes, r.Entered, r.Corrected, r.Deleted, r.TookS)
	fmt.Fprintf(tw, "analytics not adding up:\t%d\t\n", r.Mismatched)
	fmt.Fprintln(tw, "operation\tcount\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	row := func(name string, l loadgen.LatencyStats) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", name, l.Count, l.P50Ms, l.P90Ms, l.P99Ms, l.MaxMs)
	}
	row("enter (POST /v1/sessions)", r.Enter)
	row("correct (PATCH)", r.Correct)
	row("delete", r.Delete)
	row("settle (last write → analytics add up)", r.Settle)
	for _, name := range readNames {
		row(name, r.Reads[name])
	}
	row("plan (POST /v1/plans)", r.Plan)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		if _, err := fmt.Fprintf(w, "errors %s: %d, the first: %s\n", k, r.Errors[k], r.FirstErrors[k]); err != nil {
			return err
		}
	}
	return nil
}

var readNames = []string{ReadSummaryWeek, ReadSummaryAll, ReadFitness90Days, ReadFitnessYear, ReadRecords, ReadRecommendations}

// run is one run's shared state.
type run struct {
	cfg       Config
	api       *app.Client
	exercises []string // ids of the strength exercises the athletes do

	mu                                      sync.Mutex
	enter, correct, del, settle, plan       loadgen.Histogram
	reads                                   map[string]*loadgen.Histogram
	entered, corrected, deleted, mismatched int
	errors                                  map[string]int
	firstErrors                             map[string]string
}

func (r *run) fail(op string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors[op]++
	if _, ok := r.firstErrors[op]; !ok {
		r.firstErrors[op] = err.Error()
	}
}

func (r *run) record(h *loadgen.Histogram, d time.Duration) {
	r.mu.Lock()
	h.Record(d)
	r.mu.Unlock()
}

func (r *run) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "coach: "+format+"\n", args...)
	}
}

// Run runs the athletes and reports; the error is a setup failure (no
// report), or the end of ctx (the report counts what was done).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Athletes < 1 || cfg.Sessions < 1 || cfg.Days < 1 || cfg.Concurrency < 1 || cfg.Reads < 0 || cfg.SettleTimeout <= 0 {
		return nil, errors.New("coach: athletes, sessions, days and concurrency must be at least 1, settle timeout above 0")
	}
	if cfg.RunID == "" {
		cfg.RunID = uuid.NewString()[:8]
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	r := &run{cfg: cfg, api: app.New(cfg.BaseURL, hc), reads: map[string]*loadgen.Histogram{},
		errors: map[string]int{}, firstErrors: map[string]string{}}
	for _, n := range readNames {
		r.reads[n] = &loadgen.Histogram{}
	}
	start := time.Now()
	if err := r.findExercises(ctx); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(cfg.Concurrency, cfg.Athletes) {
		wg.Go(func() {
			for i := range next {
				r.athlete(ctx, i)
			}
		})
	}
	for i := range cfg.Athletes {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	r.progress("%d athletes done in %v", cfg.Athletes, time.Since(start).Round(time.Millisecond))
	rep := &Report{RunID: cfg.RunID, Athletes: cfg.Athletes, Entered: r.entered, Corrected: r.corrected, Deleted: r.deleted,
		TookS: time.Since(start).Seconds(), Enter: r.enter.Stats(), Correct: r.correct.Stats(), Delete: r.del.Stats(),
		Settle: r.settle.Stats(), Mismatched: r.mismatched, Reads: map[string]loadgen.LatencyStats{}, Plan: r.plan.Stats(),
		Errors: r.errors, FirstErrors: r.firstErrors}
	for n, h := range r.reads {
		rep.Reads[n] = h.Stats()
	}
	return rep, ctx.Err()
}

// findExercises signs up the first athlete and picks the strength
// exercises every athlete does from the catalogue.
func (r *run) findExercises(ctx context.Context) error {
	tok, err := r.api.SignUp(ctx, r.email(0), r.password())
	if err != nil {
		return fmt.Errorf("coach: sign up: %w", err)
	}
	var list trainingapi.ExerciseList
	if err := r.api.Do(ctx, http.MethodGet, "/v1/exercises?limit=100", tok.AccessToken, nil, &list, http.StatusOK); err != nil {
		return fmt.Errorf("coach: the exercises: %w", err)
	}
	for _, e := range list.Items {
		if e.Key != nil && slices.Contains([]string{"back_squat", "bench_press", "deadlift", "overhead_press"}, *e.Key) {
			r.exercises = append(r.exercises, e.ID)
		}
	}
	if len(r.exercises) == 0 {
		return errors.New("coach: no squat, bench press, deadlift or overhead press in the exercise catalogue")
	}
	return nil
}

func (r *run) email(i int) string {
	return fmt.Sprintf("loadgen-coach-%s-%d@example.com", r.cfg.RunID, i)
}

func (r *run) password() string { return "coach load generator " + r.cfg.RunID }

// expected is what an athlete's analytics must add up to.
type expected struct {
	sessions         int
	distanceM        float64
	strengthVolumeKg float64
}

// entry is a session an athlete entered.
type entry struct {
	id        string
	sport     string
	distanceM float64
	elapsedS  float64
	volumeKg  float64
}

// athlete signs up, sets its profile, enters its history, corrects and
// deletes some of it, waits for its analytics to add up, reads them, and
// asks for a plan. What fails is counted; the athlete goes on where it can.
func (r *run) athlete(ctx context.Context, i int) {
	rng := rand.New(rand.NewPCG(uint64(i)+1, 42))
	tok, err := r.api.SignUp(ctx, r.email(i), r.password())
	if err != nil {
		r.fail("sign_up", err)
		return
	}
	token := tok.AccessToken
	sex := []string{"female", "male"}[i%2]
	if err := r.api.Do(ctx, http.MethodPatch, "/v1/me", token, map[string]any{"time_zone": "Europe/Berlin", "sex": sex,
		"resting_hr_bpm": 45 + rng.IntN(15), "max_hr_bpm": 180 + rng.IntN(15), "threshold_hr_bpm": 165 + rng.IntN(10)},
		nil, http.StatusOK); err != nil {
		r.fail("profile", err)
	}
	// The history, oldest first.
	now := time.Now().UTC()
	from := now.Add(-time.Duration(r.cfg.Days) * 24 * time.Hour)
	starts := make([]time.Time, r.cfg.Sessions)
	for k := range starts {
		starts[k] = from.Add(time.Duration(rng.Int64N(int64(now.Sub(from) - 6*time.Hour)))).Truncate(time.Second)
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	var entries []entry
	want := expected{}
	for k, at := range starts {
		body, e := r.workout(rng, at)
		var s trainingapi.Session
		t0 := time.Now()
		err := r.api.DoWith(ctx, http.MethodPost, "/v1/sessions", token,
			http.Header{"Idempotency-Key": {fmt.Sprintf("coach-%s-%d-%d", r.cfg.RunID, i, k)}}, body, &s, http.StatusCreated, http.StatusOK)
		if err != nil {
			r.fail("enter", err)
			continue
		}
		r.record(&r.enter, time.Since(t0))
		e.id = s.ID
		entries = append(entries, e)
		want.sessions++
		want.distanceM += e.distanceM
		want.strengthVolumeKg += e.volumeKg
	}
	r.mu.Lock()
	r.entered += len(entries)
	r.mu.Unlock()

	// A typo in one run in twenty: 500 m more. One session in fifty deleted.
	for k := range entries {
		e := &entries[k]
		switch {
		case e.sport == "run" && rng.IntN(20) == 0:
			t0 := time.Now()
			if err := r.api.Do(ctx, http.MethodPatch, "/v1/sessions/"+e.id, token, map[string]any{"distance_m": e.distanceM + 500},
				nil, http.StatusOK); err != nil {
				r.fail("correct", err)
				continue
			}
			r.record(&r.correct, time.Since(t0))
			e.distanceM += 500
			want.distanceM += 500
			r.mu.Lock()
			r.corrected++
			r.mu.Unlock()
		case rng.IntN(50) == 0:
			t0 := time.Now()
			if err := r.api.Do(ctx, http.MethodDelete, "/v1/sessions/"+e.id, token, nil, nil, http.StatusNoContent); err != nil {
				r.fail("delete", err)
				continue
			}
			r.record(&r.del, time.Since(t0))
			want.sessions--
			want.distanceM -= e.distanceM
			want.strengthVolumeKg -= e.volumeKg
			r.mu.Lock()
			r.deleted++
			r.mu.Unlock()
		}
	}
	lastWrite := time.Now()
	if !r.waitFor(ctx, token, want, lastWrite) {
		r.mu.Lock()
		r.mismatched++
		r.mu.Unlock()
	}

	yearAgo := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	paths := map[string]string{
		ReadSummaryWeek: "/v1/analytics/summary?period=week", ReadSummaryAll: "/v1/analytics/summary?period=all",
		ReadFitness90Days: "/v1/analytics/fitness", ReadRecords: "/v1/analytics/records",
		ReadFitnessYear:     "/v1/analytics/fitness?" + url.Values{"from": {yearAgo}, "to": {now.Format(time.DateOnly)}}.Encode(),
		ReadRecommendations: "/v1/recommendations",
	}
	for range r.cfg.Reads {
		for _, name := range readNames {
			t0 := time.Now()
			if err := r.api.Do(ctx, http.MethodGet, paths[name], token, nil, nil, http.StatusOK); err != nil {
				r.fail(name, err)
				continue
			}
			r.record(r.reads[name], time.Since(t0))
		}
	}

	t0 := time.Now()
	err = r.api.Do(ctx, http.MethodPost, "/v1/plans", token, trainingapi.PlanCreate{Sport: "run",
		Goal:     trainingapi.PlanGoal{Kind: "fitness", Weeks: 8 + rng.IntN(8)},
		Schedule: trainingapi.PlanSchedule{Days: []string{"monday", "wednesday", "friday", "saturday", "sunday"}, MaxMinutes: 120}},
		nil, http.StatusCreated)
	if err != nil {
		r.fail("plan", err)
		return
	}
	r.record(&r.plan, time.Since(t0))
}

// workout makes one session's request, started at at, and what it adds
// to the analytics: a run or a ride with heart rate, or a strength
// session with its sets.
func (r *run) workout(rng *rand.Rand, at time.Time) (trainingapi.SessionStart, entry) {
	round := func(x float64) float64 { return math.Round(x) }
	switch n := rng.IntN(20); {
	case n < 12: // a run: 5–15 km at 4:30–6:00 a km
		dist := round(5000 + rng.Float64()*10_000)
		elapsed := round(dist / 1000 * (270 + rng.Float64()*90))
		return manual("run", at, elapsed, &dist, 135+rng.Float64()*30, rng), entry{sport: "run", distanceM: dist, elapsedS: elapsed}
	case n < 17: // a ride: 20–60 km at 25–30 km/h
		dist := round(20_000 + rng.Float64()*40_000)
		elapsed := round(dist / (7 + rng.Float64()*1.3))
		return manual("ride", at, elapsed, &dist, 120+rng.Float64()*30, rng), entry{sport: "ride", distanceM: dist, elapsedS: elapsed}
	default: // strength: three exercises of four sets of five
		elapsed := round(2400 + rng.Float64()*1200)
		s := manual("strength", at, elapsed, nil, 0, rng)
		var volume float64
		for k := range 3 {
			ex := trainingapi.SessionExercise{ExerciseID: r.exercises[k%len(r.exercises)]}
			for range 4 {
				kg := 40 + 2.5*float64(rng.IntN(33))
				ex.Sets = append(ex.Sets, trainingapi.ExerciseSet{Reps: 5, WeightKg: kg})
				volume += 5 * kg
			}
			s.Exercises = append(s.Exercises, ex)
		}
		return s, entry{sport: "strength", elapsedS: elapsed, volumeKg: volume}
	}
}

// manual is a manual session's request.
func manual(sport string, at time.Time, elapsedS float64, distanceM *float64, avgHR float64, rng *rand.Rand) trainingapi.SessionStart {
	effort := 3 + rng.IntN(6)
	s := trainingapi.SessionStart{Sport: sport, Visibility: "private", Title: "loadgen " + sport,
		ManualSession: trainingapi.ManualSession{StartedAt: &at, ElapsedTimeS: &elapsedS, DistanceM: distanceM, PerceivedEffort: &effort}}
	if avgHR > 0 {
		hr := math.Round(avgHR)
		s.AvgHRBpm = &hr
	}
	return s
}

// waitFor polls the athlete's summary of all time until it adds up to
// want, and records how long after the last write it did; false when it
// did not within the settle timeout.
func (r *run) waitFor(ctx context.Context, token string, want expected, lastWrite time.Time) bool {
	deadline := lastWrite.Add(r.cfg.SettleTimeout)
	var last error
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var sum trainingapi.AnalyticsSummary
		err := r.api.Do(ctx, http.MethodGet, "/v1/analytics/summary?period=all", token, nil, &sum, http.StatusOK)
		if err == nil {
			t := sum.Current.Totals
			if t.Sessions == want.sessions && math.Abs(t.DistanceM-want.distanceM) < 0.5 &&
				math.Abs(t.StrengthVolumeKg-want.strengthVolumeKg) < 0.01 {
				r.record(&r.settle, time.Since(lastWrite))
				return true
			}
			last = fmt.Errorf("analytics say %d sessions, %.0f m, %.0f kg; entered %d, %.0f m, %.0f kg",
				t.Sessions, t.DistanceM, t.StrengthVolumeKg, want.sessions, want.distanceM, want.strengthVolumeKg)
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	if last != nil {
		r.fail("settle", last)
	}
	return false
}
