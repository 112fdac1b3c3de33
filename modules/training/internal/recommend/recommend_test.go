package recommend

import (
	"fmt"
	"testing"
	"time"

	"github.com/athlos/athlos/modules/training/internal/fitness"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, time.June, 15, 18, 0, 0, 0, time.UTC)

func ago(d float64) time.Time { return now.Add(-time.Duration(d * float64(day))) }

func run(id string, daysAgo, km float64) Session {
	return Session{ID: id, Start: ago(daysAgo), Sport: "run", MovingS: km * 330, DistanceM: km * 1000}
}

func f(v float64) *float64 { return &v }

// only returns the recommendations of type typ.
func only(in Input, typ string) []Recommendation {
	var out []Recommendation
	for _, r := range Recommend(in, DefaultThresholds()) {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Garmin-RUNSAFE bands against the longest run of the previous 30 days
// (10 km): up to +10 % nothing; above +10 % to +30 % small (1.64); above
// +30 % to +100 % moderate (1.52); above +100 % large (2.28), an alert.
func TestSessionSpike(t *testing.T) {
	history := []Session{run("a", 20, 10), run("b", 12, 8), run("c", 5, 6)}
	for _, c := range []struct {
		km       float64
		band     string
		severity string
	}{
		{11, "", ""}, // exactly +10 %: the reference band
		{11.01, "small", Warning},
		{13, "small", Warning}, // exactly +30 %
		{13.01, "moderate", Warning},
		{20, "moderate", Warning}, // exactly +100 %
		{20.01, "large", Alert},
		{9, "", ""},
	} {
		in := Input{Now: now, Sessions: append([]Session{run("new", 1, c.km)}, history...)}
		got := only(in, TypeSessionSpike)
		if c.band == "" {
			assert.Empty(t, got, "%g km", c.km)
			continue
		}
		require.Len(t, got, 1, "%g km", c.km)
		r := got[0]
		assert.Equal(t, "session_spike:new", r.ID)
		assert.Equal(t, c.severity, r.Severity)
		assert.Equal(t, "recommend.session_spike."+c.band, r.Key)
		assert.Equal(t, 10000.0, r.Trigger["longest_30d_m"])
		assert.InDelta(t, c.km/10-1, r.Trigger["rise"], 1e-12)
		assert.InDelta(t, 11000, r.Params["ceiling_m"], 1e-9)
		assert.Equal(t, ago(1).Add(7*day), r.Expires)
	}

	// The window is the 30 days before the session: a 10 km run 30.1 days
	// before it does not count, so 9 km over the 8 km of 12 days ago is
	// +12.5 %; 30 days before it, it does.
	in := Input{Now: now, Sessions: []Session{run("old", 31.1, 10), run("b", 12, 8), run("new", 1, 9)}}
	require.Len(t, only(in, TypeSessionSpike), 1)
	in = Input{Now: now, Sessions: []Session{run("old", 31, 10), run("b", 12, 8), run("new", 1, 9)}}
	assert.Empty(t, only(in, TypeSessionSpike))
	// Rides and walks are not runs; a run after a month without any has
	// nothing to compare with; a spike older than a week has lapsed.
	ride := Session{ID: "r", Start: ago(1), Sport: "ride", DistanceM: 60000}
	in = Input{Now: now, Sessions: []Session{run("b", 12, 8), ride}}
	assert.Empty(t, only(in, TypeSessionSpike))
	in = Input{Now: now, Sessions: []Session{run("old", 40, 8), run("new", 1, 20)}}
	assert.Empty(t, only(in, TypeSessionSpike))
	in = Input{Now: now, Sessions: []Session{run("b", 20, 8), run("new", 8, 20)}}
	assert.Empty(t, only(in, TypeSessionSpike))
	// Trail runs count with runs.
	in = Input{Now: now, Sessions: []Session{run("b", 12, 8), {ID: "t", Start: ago(2), Sport: "trail_run", DistanceM: 17000}}}
	require.Len(t, only(in, TypeSessionSpike), 1)

	assert.InDelta(t, 11000, SpikeCeiling(history, now, DefaultThresholds()), 1e-9)
	assert.Equal(t, 0.0, SpikeCeiling(nil, now, DefaultThresholds()))
}

func TestLoadRamp(t *testing.T) {
	for _, c := range []struct {
		ramp     float64
		severity string
	}{{8, ""}, {8.01, Warning}, {10, Warning}, {10.01, Alert}, {-3, ""}} {
		got := only(Input{Now: now, Fitness: &Fitness{CTL: 60, RampRate: c.ramp}}, TypeLoadRamp)
		assert.Equal(t, c.severity != "", len(got) == 1, "ramp %g", c.ramp)
		if c.severity != "" {
			assert.Equal(t, c.severity, got[0].Severity)
			assert.Equal(t, c.ramp, got[0].Trigger["ramp_rate"])
			assert.Equal(t, now.Add(day), got[0].Expires)
			assert.Equal(t, "load_ramp:2026-06-15", got[0].ID)
		}
	}
	assert.Empty(t, only(Input{Now: now}, TypeLoadRamp))
	// Daily advice is named by the user's day: late on the 15th in UTC is
	// already the 16th in Auckland.
	auckland, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	late := time.Date(2026, 6, 15, 20, 0, 0, 0, time.UTC)
	got := only(Input{Now: late, Location: auckland, Fitness: &Fitness{CTL: 60, RampRate: 9}}, TypeLoadRamp)
	require.Len(t, got, 1)
	assert.Equal(t, "load_ramp:2026-06-16", got[0].ID)
}

// Form at or below −30 % of fitness is deep fatigue (CTL 50: TSB −15 is
// the boundary); a CTL below 10 stays silent.
func TestDeepFatigue(t *testing.T) {
	for _, c := range []struct {
		ctl, tsb float64
		want     bool
	}{{50, -15, true}, {50, -14.9, false}, {50, -40, true}, {50, 5, false}, {9, -20, false}, {10, -3, true}} {
		got := only(Input{Now: now, Fitness: &Fitness{CTL: c.ctl, ATL: c.ctl - c.tsb, TSB: c.tsb}}, TypeDeepFatigue)
		assert.Equal(t, c.want, len(got) == 1, "CTL %g TSB %g", c.ctl, c.tsb)
		if c.want {
			assert.InDelta(t, c.tsb/c.ctl*100, got[0].Trigger["form_pct"], 1e-9)
		}
	}
}

func TestMonotony(t *testing.T) {
	for _, c := range []struct {
		mono *float64
		week float64
		want bool
	}{{f(2.0), 700, true}, {f(1.99), 700, false}, {f(2.366), 140, true}, {nil, 700, false}, {f(3), 0, false}} {
		got := only(Input{Now: now, Fitness: &Fitness{Monotony: c.mono, WeekLoad: c.week}}, TypeMonotony)
		assert.Equal(t, c.want, len(got) == 1, "%v", c)
		if c.want {
			assert.InDelta(t, c.week**c.mono, got[0].Trigger["strain"], 1e-9)
		}
	}
}

// The ACWR is information about load (info severity), never a warning.
func TestAcuteLoad(t *testing.T) {
	for _, c := range []struct {
		acwr *float64
		want bool
	}{{f(1.5), true}, {f(1.49), false}, {f(1.339), false}, {nil, false}} {
		got := only(Input{Now: now, Fitness: &Fitness{ACWR: c.acwr}}, TypeAcuteLoad)
		assert.Equal(t, c.want, len(got) == 1, "%v", c)
		if c.want {
			assert.Equal(t, Info, got[0].Severity)
			assert.Equal(t, "recommend.acute_load", got[0].Key)
		}
	}
}

func TestLongBreak(t *testing.T) {
	// Away for exactly 14 days: ease back in.
	got := only(Input{Now: now, Sessions: []Session{run("a", 30, 5), run("b", 14, 5)}}, TypeLongBreak)
	require.Len(t, got, 1)
	assert.Equal(t, "recommend.long_break.away", got[0].Key)
	assert.Equal(t, 14, got[0].Params["days"])
	assert.Equal(t, "long_break:b", got[0].ID)
	// 13.9 days: not yet.
	assert.Empty(t, only(Input{Now: now, Sessions: []Session{run("b", 13.9, 5)}}, TypeLongBreak))
	// Back after 20 days, 2 days ago: still easing in, until 7 days after.
	got = only(Input{Now: now, Sessions: []Session{run("a", 22, 5), run("b", 2, 5), run("c", 1, 5)}}, TypeLongBreak)
	require.Len(t, got, 1)
	assert.Equal(t, "recommend.long_break.returning", got[0].Key)
	assert.Equal(t, "long_break:b", got[0].ID)
	assert.Equal(t, ago(2).Add(7*day), got[0].Expires)
	assert.Empty(t, only(Input{Now: now, Sessions: []Session{run("a", 30, 5), run("b", 8, 5)}}, TypeLongBreak))
	// Regular training: nothing; no history: nothing.
	assert.Empty(t, only(Input{Now: now, Sessions: []Session{run("a", 9, 5), run("b", 4, 5), run("c", 1, 5)}}, TypeLongBreak))
	assert.Empty(t, only(Input{Now: now}, TypeLongBreak))
}

func TestNewRecord(t *testing.T) {
	recs := []Record{
		{Kind: "best_effort", Name: "5000", Value: 1195, Previous: 1210, SessionID: "s1", At: ago(2)},
		{Kind: "e1rm", Name: "squat", Value: 121, Previous: 120, SessionID: "s2", At: ago(7)}, // lapsed
		{Kind: "e1rm", Name: "bench", Value: 91, Previous: 90, SessionID: "s3", At: ago(6.9)},
	}
	got := only(Input{Now: now, Records: recs}, TypeNewRecord)
	require.Len(t, got, 2)
	assert.Equal(t, "new_record:best_effort:5000:s1", got[0].ID)
	assert.Equal(t, "recommend.new_record.best_effort", got[0].Key)
	assert.Equal(t, 1195.0, got[0].Trigger["value"])
	assert.Equal(t, ago(2).Add(7*day), got[0].Expires)
	assert.Equal(t, "new_record:e1rm:bench:s3", got[1].ID)
}

func TestPlanAdherence(t *testing.T) {
	week := func(weeksAgo, planned, done int) PlanWeek {
		return PlanWeek{Start: now.Add(-time.Duration(7*weeksAgo) * day), Planned: planned, Done: done}
	}
	for _, c := range []struct {
		weeks []PlanWeek
		want  bool
	}{
		// Last two finished weeks: 7 of 10 = 70 %: holds.
		{[]PlanWeek{week(3, 5, 0), week(2, 5, 3), week(1, 5, 4)}, false},
		// 6 of 10: slips (the older bad week is out of the window).
		{[]PlanWeek{week(3, 5, 5), week(2, 5, 2), week(1, 5, 4)}, true},
		// The current week is not finished and does not count.
		{[]PlanWeek{week(2, 5, 5), week(1, 5, 5), week(0, 5, 0)}, false},
		// One finished week is not enough to judge.
		{[]PlanWeek{week(1, 5, 0)}, false},
		// Extra sessions do not make up for missed ones elsewhere: 5 + 1.
		{[]PlanWeek{week(2, 5, 8), week(1, 5, 1)}, true},
		{[]PlanWeek{week(2, 0, 0), week(1, 0, 0)}, false},
	} {
		got := only(Input{Now: now, Weeks: c.weeks}, TypePlanAdherence)
		assert.Equal(t, c.want, len(got) == 1, "%+v", c.weeks)
		if c.want {
			assert.Less(t, got[0].Trigger["adherence"], 0.7)
			assert.Equal(t, Warning, got[0].Severity)
		}
	}
}

func TestGearReplacement(t *testing.T) {
	gear := []Gear{
		{ID: "g1", Name: "Pegasus", DistanceM: 720_000, LimitM: 800_000}, // 90 %: near
		{ID: "g2", Name: "Clifton", DistanceM: 719_000, LimitM: 800_000}, // 89.9 %
		{ID: "g3", Name: "Speed", DistanceM: 800_000, LimitM: 800_000},   // over
		{ID: "g4", Name: "Bike", DistanceM: 9e6},                         // no limit
	}
	got := only(Input{Now: now, Gear: gear}, TypeGearReplacement)
	require.Len(t, got, 2)
	assert.Equal(t, "gear_replacement:g3", got[0].ID) // the warning first
	assert.Equal(t, Warning, got[0].Severity)
	assert.Equal(t, "recommend.gear_replacement.over", got[0].Key)
	assert.Equal(t, "gear_replacement:g1", got[1].ID)
	assert.Equal(t, Info, got[1].Severity)
	assert.Equal(t, 80_000.0, got[1].Params["remaining_m"])
}

func TestNextWorkoutFromPlan(t *testing.T) {
	next := &PlannedWorkout{ID: "w1", Date: now.Add(day).Truncate(day), Kind: "long", Sport: "run", DistanceM: 16000, DurationS: 5400}
	in := Input{Now: now, Next: next, Sessions: []Session{run("a", 10, 14)}}
	got := only(in, TypeNextWorkout)
	require.Len(t, got, 1)
	assert.Equal(t, "next_workout:w1", got[0].ID)
	assert.Equal(t, "recommend.next_workout.plan.long", got[0].Key)
	assert.Equal(t, "plan", got[0].Params["source"])
	assert.InDelta(t, 15400, got[0].Params["ceiling_m"], 1e-9)
	// Too far ahead: nothing.
	in.Next = &PlannedWorkout{ID: "w9", Date: now.Add(9 * day), Kind: "easy", Sport: "run"}
	assert.Empty(t, only(in, TypeNextWorkout))
}

func TestNextWorkoutFromHistory(t *testing.T) {
	sessions := []Session{run("a", 10, 8), run("b", 6, 10), run("c", 3, 12), {ID: "r", Start: ago(2), Sport: "ride", DistanceM: 40000, MovingS: 5400}}
	// Fresh: the usual run, median 10 km and 3,300 s.
	got := only(Input{Now: now, Sessions: sessions, Fitness: &Fitness{CTL: 40, TSB: 2}}, TypeNextWorkout)
	require.Len(t, got, 1)
	assert.Equal(t, "recommend.next_workout.history.easy", got[0].Key)
	assert.Equal(t, "run", got[0].Params["sport"])
	assert.Equal(t, 10000.0, got[0].Params["distance_m"])
	assert.Equal(t, 3300.0, got[0].Params["duration_s"])
	assert.InDelta(t, 13200, got[0].Params["ceiling_m"], 1e-9)
	// Tired (−20 %): recovery at 60 %.
	got = only(Input{Now: now, Sessions: sessions, Fitness: &Fitness{CTL: 40, TSB: -8}}, TypeNextWorkout)
	assert.Equal(t, "recommend.next_workout.history.recovery", got[0].Key)
	assert.Equal(t, 6000.0, got[0].Params["distance_m"])
	// −10 % exactly is still the usual session.
	got = only(Input{Now: now, Sessions: sessions, Fitness: &Fitness{CTL: 40, TSB: -4}}, TypeNextWorkout)
	assert.Equal(t, "recommend.next_workout.history.easy", got[0].Key)
	// Deeply tired: rest.
	got = only(Input{Now: now, Sessions: sessions, Fitness: &Fitness{CTL: 40, TSB: -12}}, TypeNextWorkout)
	assert.Equal(t, "recommend.next_workout.history.rest", got[0].Key)
	// Too little history: nothing.
	assert.Empty(t, only(Input{Now: now, Sessions: sessions[:2]}, TypeNextWorkout))
}

// Recommend orders the most pressing first and runs every rule at once.
func TestRecommendOrder(t *testing.T) {
	in := Input{
		Now:      now,
		Sessions: []Session{run("a", 20, 10), run("b", 10, 8), run("c", 5, 6), run("new", 1, 25)},
		Fitness:  &Fitness{CTL: 50, TSB: -20, RampRate: 9, Monotony: f(2.2), WeekLoad: 400, ACWR: f(1.7)},
		Gear:     []Gear{{ID: "g", DistanceM: 750_000, LimitM: 800_000}},
	}
	got := Recommend(in, DefaultThresholds())
	var types []string
	for _, r := range got {
		types = append(types, fmt.Sprintf("%s/%s", r.Severity, r.Type))
	}
	assert.Equal(t, []string{
		"alert/session_spike",
		"warning/deep_fatigue", "warning/load_ramp", "warning/monotony",
		"info/acute_load", "info/gear_replacement", "info/next_workout",
	}, types)
	for _, r := range got {
		assert.NotEmpty(t, r.Trigger, r.Type)
		assert.True(t, r.Expires.After(now) || r.Type == TypeSessionSpike, r.Type)
	}
	// The caller's slice is left in its order.
	assert.Equal(t, "a", in.Sessions[0].ID)
}

// FitnessOf carries a day of the series over: the monotony week
// warns (2.366 ≥ 2.0).
func TestFitnessOf(t *testing.T) {
	days, err := fitness.Series(fitness.Date{Year: 2026, Month: 6, Day: 9}, []float64{5, 15, 20, 20, 20, 25, 35}, fitness.Params{})
	require.NoError(t, err)
	fit := FitnessOf(days[6])
	assert.Equal(t, 140.0, fit.WeekLoad)
	got := only(Input{Now: now, Fitness: fit}, TypeMonotony)
	require.Len(t, got, 1)
	assert.InDelta(t, 331.3, got[0].Trigger["strain"], 0.05)
}
