package analytics

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/training/internal/fitness"
	"github.com/athlos/athlos/modules/training/internal/load"
	"github.com/athlos/athlos/modules/training/internal/performance"
	"github.com/athlos/athlos/modules/training/internal/recommend"
	"github.com/athlos/athlos/modules/training/internal/strength"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func f(v float64) *float64 { return &v }

var start = time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)

// A run with heart rate and a track: TRIMP (the 31.8) and best
// efforts; no strength.
func TestSessionRun(t *testing.T) {
	var track []performance.Sample
	for i := 0; i <= 1800; i++ {
		track = append(track, performance.Sample{T: float64(i), D: float64(i) * 3})
	}
	got, err := Session(Profile{Athlete: load.Athlete{Sex: load.Male, RestingHR: 40, MaxHR: 200}},
		SessionSummary{ID: "s", Start: start, Sport: "run", MovingS: 1800, ElapsedS: 1900, DistanceM: 5400, AvgHR: 130, Track: track})
	require.NoError(t, err)
	assert.Equal(t, load.ModelTRIMP, got.Load.Model)
	assert.InDelta(t, 31.8, got.Load.Load, 0.05)
	require.Len(t, got.BestEfforts, 4) // 400 m, 1 km, mile, 5 km
	assert.InDelta(t, 5000/3.0, got.BestEfforts[3].TimeS, 1e-9)
	assert.Empty(t, got.Strength)

	// A ride has no running best efforts.
	got, err = Session(Profile{}, SessionSummary{Sport: "ride", MovingS: 1800, Track: track, Effort: f(5)})
	require.NoError(t, err)
	assert.Empty(t, got.BestEfforts)
	assert.Equal(t, load.Result{Load: 150, Model: load.ModelSRPE}, got.Load)
}

// A strength session: session-RPE over its elapsed time (no moving time),
// volume and bests.
func TestSessionStrength(t *testing.T) {
	got, err := Session(Profile{}, SessionSummary{Sport: "strength", ElapsedS: 3000, Effort: f(6),
		Exercises: []strength.Exercise{
			{ID: "squat", Sets: []strength.Set{{Reps: 5, WeightKg: 100}, {Reps: 5, WeightKg: 100}}},
			{ID: "bench", Sets: []strength.Set{{Reps: 8, WeightKg: 60}}},
		}})
	require.NoError(t, err)
	assert.Equal(t, load.Result{Load: 300, Model: load.ModelSRPE}, got.Load)
	assert.Equal(t, 1480.0, got.StrengthVolume)
	require.Len(t, got.Strength, 2)
	assert.InDelta(t, 116.667, got.Strength[0].OneRM, 1e-3)

	_, err = Session(Profile{}, SessionSummary{Sport: "strength", Exercises: []strength.Exercise{{ID: "x", Sets: []strength.Set{{Reps: -1}}}}})
	var fe *fielderr.Error
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "exercises[0].sets[0].reps", fe.Field)
	_, err = Session(Profile{}, SessionSummary{MovingS: -5})
	require.True(t, errors.As(err, &fe))
}

func TestRecords(t *testing.T) {
	e := func(id string, day int, d, s float64) EffortOf {
		return EffortOf{SessionID: id, At: start.AddDate(0, 0, day), Effort: performance.Effort{DistanceM: d, TimeS: s}}
	}
	all := []EffortOf{e("a", 0, 5000, 1300), e("b", 5, 5000, 1250), e("c", 9, 5000, 1250), e("a", 0, 1000, 240), e("c", 9, 10000, 2700)}
	rec := Records(all)
	assert.Equal(t, []EffortOf{e("a", 0, 1000, 240), e("b", 5, 5000, 1250), e("c", 9, 10000, 2700)}, rec)

	session := []EffortOf{e("d", 12, 1000, 238), e("d", 12, 5000, 1250), e("d", 12, 21097.5, 6000)}
	assert.Equal(t, []EffortOf{e("d", 12, 1000, 238)}, NewRecords(rec, session))
}

// fiveYears is about 1,500 sessions over five years, 300 of them strength.
func fiveYears() []SessionSummary {
	r := rand.New(rand.NewPCG(1, 2))
	first := time.Date(2021, 1, 1, 7, 0, 0, 0, time.UTC)
	var out []SessionSummary
	for i := range 1500 {
		s := SessionSummary{ID: "s", Start: first.Add(time.Duration(i*1826*24/1500) * time.Hour), Sport: "run", MovingS: 2400 + r.Float64()*3600, AvgHR: 130 + r.Float64()*30}
		s.DistanceM = s.MovingS * 3
		if i%5 == 0 {
			s.Sport, s.AvgHR, s.Effort = "strength", 0, f(6)
		}
		out = append(out, s)
	}
	return out
}

// BenchmarkApplySession is the computing of applying one session event to
// every analytics figure, without the database: the new session's load
// (a 10,000-sample heart-rate series in whole beats), best efforts (a 10,000-point track)
// and strength bests, then the five-year daily fitness series of 1,500
// sessions in the athlete's zone, and the recommendations.
func BenchmarkApplySession(b *testing.B) {
	history := fiveYears()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 5))
	s := SessionSummary{ID: "new", Start: time.Date(2025, 12, 31, 8, 0, 0, 0, time.UTC), Sport: "run", MovingS: 9999}
	bpm := 140.0
	for i := range 10_000 {
		d := 0.0
		if i > 0 {
			d = s.Track[i-1].D + 3.5 + r.Float64()*1.5
		}
		s.Track = append(s.Track, performance.Sample{T: float64(i), D: d})
		// A heart-rate strap's whole beats a minute, drifting.
		bpm = min(185, max(100, bpm+float64(r.IntN(3)-1)))
		s.HR = append(s.HR, load.HRSample{T: float64(i), BPM: bpm})
	}
	s.DistanceM = s.Track[len(s.Track)-1].D
	p := Profile{Athlete: load.Athlete{Sex: load.Female, RestingHR: 50, MaxHR: 190, ThresholdHR: 170}}

	loads := make([]fitness.TimedLoad, 0, len(history)+1)
	for _, h := range history {
		fig, err := Session(p, h)
		if err != nil {
			b.Fatal(err)
		}
		loads = append(loads, fitness.TimedLoad{At: h.Start, Load: fig.Load.Load})
	}
	var recent []recommend.Session
	for _, h := range history[len(history)-40:] {
		recent = append(recent, recommend.Session{ID: h.ID, Start: h.Start, Sport: h.Sport, MovingS: h.MovingS, DistanceM: h.DistanceM})
	}
	first, last := fitness.Date{Year: 2021, Month: 1, Day: 1}, fitness.Date{Year: 2025, Month: 12, Day: 31}

	b.ReportAllocs()
	for b.Loop() {
		fig, err := Session(p, s)
		if err != nil {
			b.Fatal(err)
		}
		all := append(loads[:len(history):len(history)], fitness.TimedLoad{At: s.Start, Load: fig.Load.Load})
		days, err := fitness.Series(first, fitness.Bucket(all, loc, first, last), fitness.Params{})
		if err != nil {
			b.Fatal(err)
		}
		today := days[len(days)-1]
		recommend.Recommend(recommend.Input{
			Now:      s.Start.Add(3 * time.Hour),
			Sessions: append(recent, recommend.Session{ID: s.ID, Start: s.Start, Sport: s.Sport, MovingS: s.MovingS, DistanceM: s.DistanceM}),
			Fitness:  &recommend.Fitness{CTL: today.CTL, ATL: today.ATL, TSB: today.TSB, RampRate: today.RampRate, Monotony: today.Monotony, ACWR: today.ACWR},
		}, recommend.DefaultThresholds())
	}
}
