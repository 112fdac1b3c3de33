package rules

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

func tiers(t ...float64) []Tier {
	names := []string{"bronze", "silver", "gold"}
	out := make([]Tier, len(t))
	for i, v := range t {
		out[i] = Tier{Name: names[i%3], Threshold: v, Points: 10 * (i + 1)}
	}
	return out
}

func run(at time.Time, km float64) Session {
	return Session{Start: at, Sport: "run", DistanceM: km * 1000, MovingTimeS: km * 300, ElevationGainM: km * 10}
}

// Each kind of rule at its boundary: one short of a tier, exactly at it.
func TestEvaluateAtTheBoundaries(t *testing.T) {
	d := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) // a Monday
	h := History{Location: time.UTC, Sessions: []Session{run(d, 10), run(d.Add(24*time.Hour), 11.999),
		{Start: d.Add(48 * time.Hour), Sport: "ride", DistanceM: 40_000, MovingTimeS: 5000, ElevationGainM: 800},
		{Start: d.Add(72 * time.Hour), Sport: "strength", MovingTimeS: 3000, StrengthVolumeKg: 5000}}}

	p := Evaluate(Rule{Metric: DistanceM, Sport: "run", Tiers: tiers(21_999, 22_000, 50_000)}, h)
	assert.InDelta(t, 21_999, p.Value, 1e-6)
	assert.Equal(t, 1, p.Reached, "one metre short of silver")
	require.NotNil(t, p.Next)
	assert.Equal(t, 22_000.0, *p.Next)
	assert.Equal(t, 2, Evaluate(Rule{Metric: DistanceM, Tiers: tiers(21_999, 61_999)}, h).Reached, "every sport: 61,999 m")
	assert.Equal(t, 4.0, Evaluate(Rule{Metric: Sessions, Tiers: tiers(4)}, h).Value)
	assert.Equal(t, 5000.0, Evaluate(Rule{Metric: StrengthVolumeKg, Tiers: tiers(5000)}, h).Value)
	assert.Equal(t, 1, Evaluate(Rule{Metric: SessionElevationGainM, Tiers: tiers(800, 801)}, h).Reached, "the biggest climb: 800 m")
	assert.Equal(t, 40_000.0, Evaluate(Rule{Metric: SessionDistanceM, Tiers: tiers(1)}, h).Value)
	assert.Equal(t, 4.0, Evaluate(Rule{Metric: StreakDays, Tiers: tiers(4)}, h).Value)
	assert.Equal(t, 3.0, Evaluate(Rule{Metric: SportsInWeek, Tiers: tiers(3)}, h).Value)
	assert.Equal(t, 7, Evaluate(Rule{Metric: Records, Tiers: tiers(7)}, History{Records: 7}).Reached+6)
	assert.Equal(t, 1, Evaluate(Rule{Metric: ChallengesCompleted, Tiers: tiers(2)}, History{ChallengesCompleted: 2}).Reached)

	// The fastest 5 km: lower is better; no effort yet is no value.
	fast := History{Sessions: []Session{{Start: d, Sport: "run", BestEfforts: map[float64]float64{5000: 1500}},
		{Start: d, Sport: "run", BestEfforts: map[float64]float64{5000: 1200.5, 1000: 200}}}}
	rule := Rule{Metric: BestEffortS, DistanceM: 5000, Tiers: tiers(1800, 1500, 1200)}
	p = Evaluate(rule, fast)
	assert.Equal(t, 1200.5, p.Value)
	assert.Equal(t, 2, p.Reached, "half a second over gold")
	assert.Equal(t, 0, Evaluate(rule, History{}).Reached)
}

// A total by window is the best calendar week, month or year of the
// user's time zone; past the last tier it repeats.
func TestWindowsAndRepeats(t *testing.T) {
	// Sunday 23:30 in Berlin is Sunday 22:30 UTC: the same ISO week there,
	// and a run at 00:30 on Monday in Berlin (Sunday 23:30 UTC) opens the next.
	sun := time.Date(2026, 3, 8, 22, 30, 0, 0, time.UTC)
	h := History{Location: berlin, Sessions: []Session{run(sun, 10), run(sun.Add(time.Hour), 10)}}
	assert.Equal(t, 10_000.0, Evaluate(Rule{Metric: DistanceM, Window: Week, Tiers: tiers(1)}, h).Value, "two ISO weeks in Berlin")
	h.Location = time.UTC
	assert.Equal(t, 20_000.0, Evaluate(Rule{Metric: DistanceM, Window: Week, Tiers: tiers(1)}, h).Value, "one week in UTC")
	assert.Equal(t, 20_000.0, Evaluate(Rule{Metric: DistanceM, Window: Month, Tiers: tiers(1)}, h).Value)

	r := Rule{Metric: DistanceM, Tiers: tiers(100_000, 500_000, 1_000_000), RepeatEvery: 1_000_000}
	var many []Session
	for i := range 350 {
		many = append(many, run(sun.AddDate(0, 0, -i), 10))
	}
	p := Evaluate(r, History{Sessions: many})
	assert.Equal(t, 3, p.Reached)
	assert.Equal(t, 2, p.Repeats, "3,500 km: gold at 1,000 km, again at 2,000 and 3,000")
	require.NotNil(t, p.Next)
	assert.InDelta(t, 4_000_000, *p.Next, 1e-6)
}

// Streaks count local days and ISO weeks, across midnight and time zones.
func TestStreaks(t *testing.T) {
	// 23:30 UTC is 00:30 the next day in Berlin.
	a := time.Date(2026, 1, 1, 23, 30, 0, 0, time.UTC)
	s := []Session{run(a, 5), run(a.Add(24*time.Hour), 5), run(a.Add(24*time.Hour+45*time.Minute), 5)}
	// UTC: Jan 1, Jan 2, Jan 3 (00:15): three days. Berlin: Jan 2, Jan 3, Jan 3: two.
	assert.Equal(t, 3.0, Evaluate(Rule{Metric: StreakDays, Tiers: tiers(1)}, History{Sessions: s}).Value)
	assert.Equal(t, 2.0, Evaluate(Rule{Metric: StreakDays, Tiers: tiers(1)}, History{Sessions: s, Location: berlin}).Value)

	// Weeks: three ISO weeks in a row, a gap, two.
	mon := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	var w []Session
	for _, k := range []int{0, 1, 2, 4, 5} {
		w = append(w, run(mon.AddDate(0, 0, 7*k+6), 5)) // Sundays
	}
	assert.Equal(t, 3.0, Evaluate(Rule{Metric: StreakWeeks, Tiers: tiers(1)}, History{Sessions: w}).Value)
	// Across a year's end: ISO week 53 of 2026 (Dec 28) and week 1 of 2027 (Jan 4).
	y := []Session{run(time.Date(2026, 12, 28, 12, 0, 0, 0, time.UTC), 5), run(time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC), 5)}
	assert.Equal(t, 2.0, Evaluate(Rule{Metric: StreakWeeks, Tiers: tiers(1)}, History{Sessions: y}).Value)
}

// Early birds and night owls: local start hours, a span across midnight.
func TestSessionsAtHours(t *testing.T) {
	at := func(h, m int) Session { return run(time.Date(2026, 6, 1, h, m, 0, 0, berlin), 5) }
	h := History{Location: berlin, Sessions: []Session{at(4, 59), at(5, 0), at(6, 59), at(7, 0), at(22, 0), at(1, 30)}}
	assert.Equal(t, 2.0, Evaluate(Rule{Metric: SessionsAtHours, Hours: &Hours{From: 5, To: 7}, Tiers: tiers(1)}, h).Value)
	assert.Equal(t, 3.0, Evaluate(Rule{Metric: SessionsAtHours, Hours: &Hours{From: 22, To: 5}, Tiers: tiers(1)}, h).Value)
}

func TestValidate(t *testing.T) {
	ok := Rule{Metric: DistanceM, Sport: "run", Window: Year, Tiers: tiers(100, 200)}
	require.NoError(t, ok.Validate())
	for _, c := range []struct {
		rule  Rule
		field string
	}{
		{Rule{Metric: "heart_rate", Tiers: tiers(1)}, "metric"},
		{Rule{Metric: DistanceM, Sport: "quidditch", Tiers: tiers(1)}, "sport"},
		{Rule{Metric: Records, Sport: "run", Tiers: tiers(1)}, "sport"},
		{Rule{Metric: DistanceM, Window: "decade", Tiers: tiers(1)}, "window"},
		{Rule{Metric: StreakDays, Window: Week, Tiers: tiers(1)}, "window"},
		{Rule{Metric: BestEffortS, Tiers: tiers(100)}, "distance_m"},
		{Rule{Metric: BestEffortS, DistanceM: 3000, Tiers: tiers(900)}, "distance_m"}, // training measures no 3 km effort
		{Rule{Metric: DistanceM, DistanceM: 5000, Tiers: tiers(1)}, "distance_m"},
		{Rule{Metric: SessionsAtHours, Tiers: tiers(1)}, "hours"},
		{Rule{Metric: SessionsAtHours, Hours: &Hours{From: 5, To: 5}, Tiers: tiers(1)}, "hours"},
		{Rule{Metric: Sessions, Hours: &Hours{From: 5, To: 7}, Tiers: tiers(1)}, "hours"},
		{Rule{Metric: Sessions}, "tiers"},
		{Rule{Metric: Sessions, Tiers: tiers(5, 5)}, "tiers[1].threshold"},
		{Rule{Metric: BestEffortS, DistanceM: 5000, Tiers: tiers(1200, 1500)}, "tiers[1].threshold"},
		{Rule{Metric: Sessions, Tiers: []Tier{{Name: "", Threshold: 1}}}, "tiers[0].name"},
		{Rule{Metric: Sessions, Tiers: []Tier{{Name: "x", Threshold: 0}}}, "tiers[0].threshold"},
		{Rule{Metric: Sessions, Tiers: []Tier{{Name: "x", Threshold: 1, Points: -1}}}, "tiers[0].points"},
		{Rule{Metric: SessionDistanceM, Tiers: tiers(1), RepeatEvery: 10}, "repeat_every"},
		{Rule{Metric: DistanceM, Window: Week, Tiers: tiers(1), RepeatEvery: 10}, "repeat_every"},
		{Rule{Metric: DistanceM, Tiers: tiers(100_000), RepeatEvery: 999}, "repeat_every"},
	} {
		err := c.rule.Validate()
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe, "%+v", c.rule)
		assert.Equal(t, c.field, fe.Field, "%+v: %v", c.rule, err)
	}
}
