package achieve

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/rules"
)

func tiers(t ...float64) []rules.Tier {
	names := []string{"bronze", "silver", "gold"}
	out := make([]rules.Tier, len(t))
	for i, v := range t {
		out[i] = rules.Tier{Name: names[i], Threshold: v, Points: 10 * (i + 1)}
	}
	return out
}

func sess(sport string, start time.Time, km float64) *activity.Session {
	return &activity.Session{ID: uuid.New(), Sport: sport, StartedAt: start, CompletedAt: start.Add(time.Hour), DistanceM: km * 1000,
		MovingTimeS: km * 300, ElevationGainM: km * 10, Plausible: true}
}

// Each kind of rule at its boundary, through the incremental state: one
// short of a tier, then exactly at it.
func TestStateAtTheBoundaries(t *testing.T) {
	mon := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) // a Monday
	day := 24 * time.Hour
	cases := []struct {
		name  string
		rule  rules.Rule
		short []*activity.Session
		at    *activity.Session // the session that reaches the threshold
	}{
		{"total distance of a sport", rules.Rule{Metric: rules.DistanceM, Sport: "run", Tiers: tiers(21_000)},
			[]*activity.Session{sess("run", mon, 10), sess("run", mon.Add(day), 10.999), sess("ride", mon, 50)}, sess("run", mon.Add(2*day), 0.001)},
		{"sessions in a week", rules.Rule{Metric: rules.Sessions, Window: rules.Week, Tiers: tiers(3)},
			[]*activity.Session{sess("run", mon, 1), sess("run", mon.Add(6*day), 1), sess("run", mon.Add(7*day), 1)}, sess("swim", mon.Add(3*day), 1)},
		{"moving time in a month", rules.Rule{Metric: rules.MovingTimeS, Window: rules.Month, Tiers: tiers(6000)},
			[]*activity.Session{sess("run", mon, 10), sess("run", mon.AddDate(0, 1, 0), 10)}, sess("run", mon.Add(day), 10)},
		{"the longest session", rules.Rule{Metric: rules.SessionDistanceM, Sport: "ride", Tiers: tiers(100_000)},
			[]*activity.Session{sess("ride", mon, 99.999), sess("run", mon, 120)}, sess("ride", mon.Add(day), 100)},
		{"the biggest climb", rules.Rule{Metric: rules.SessionElevationGainM, Tiers: tiers(1000)},
			[]*activity.Session{sess("hike", mon, 99.9)}, sess("hike", mon.Add(day), 100)},
		{"a streak of days", rules.Rule{Metric: rules.StreakDays, Tiers: tiers(3)},
			[]*activity.Session{sess("run", mon, 1), sess("run", mon.Add(day), 1), sess("run", mon.Add(3*day), 1)}, sess("yoga", mon.Add(2*day), 0)},
		{"a streak of weeks", rules.Rule{Metric: rules.StreakWeeks, Tiers: tiers(2)},
			[]*activity.Session{sess("run", mon, 1), sess("run", mon.Add(14*day), 1)}, sess("run", mon.Add(13*day), 1)},
		{"early sessions", rules.Rule{Metric: rules.SessionsAtHours, Hours: &rules.Hours{From: 5, To: 7}, Tiers: tiers(2)},
			[]*activity.Session{sess("run", mon.Add(-3*time.Hour), 1), sess("run", mon.Add(-time.Hour), 1)}, sess("run", mon.Add(-3*time.Hour+day), 1)},
		{"sports in a week", rules.Rule{Metric: rules.SportsInWeek, Tiers: tiers(3)},
			[]*activity.Session{sess("run", mon, 1), sess("ride", mon.Add(day), 1), sess("swim", mon.Add(7*day), 1)}, sess("swim", mon.Add(6*day), 1)},
	}
	for _, c := range cases {
		st := NewState()
		var all []activity.Session
		add := func(s *activity.Session) {
			all = append(all, *s)
			if !st.Add(s, time.UTC) {
				st.Rebuild(all, time.UTC) // older than the latest period, as the applier does
			}
		}
		for _, s := range c.short {
			add(s)
		}
		assert.Equal(t, 0, st.Progress(c.rule).Reached, "%s: short", c.name)
		add(c.at)
		assert.Equal(t, 1, st.Progress(c.rule).Reached, "%s: at the threshold", c.name)
	}

	// The fastest 5 km: at most the threshold; no effort is no value.
	rule := rules.Rule{Metric: rules.BestEffortS, DistanceM: 5000, Tiers: tiers(1500, 1200)}
	st := NewState()
	assert.Zero(t, st.Progress(rule).Reached)
	s := sess("run", mon, 5)
	s.BestEfforts = map[string]float64{"5k": 1200.5}
	st.Add(s, time.UTC)
	assert.Equal(t, 1, st.Progress(rule).Reached, "half a second over gold")
	s = sess("run", mon.Add(day), 5)
	s.BestEfforts = map[string]float64{"5k": 1200}
	st.Add(s, time.UTC)
	assert.Equal(t, 2, st.Progress(rule).Reached)

	// Records and challenges are counts; an implausible session counts
	// for nothing.
	st = NewState()
	st.Records = 9
	assert.Equal(t, 0, st.Progress(rules.Rule{Metric: rules.Records, Tiers: tiers(10)}).Reached)
	st.Records++
	assert.Equal(t, 1, st.Progress(rules.Rule{Metric: rules.Records, Tiers: tiers(10)}).Reached)
	bad := sess("run", mon, 500)
	bad.Plausible = false
	st.Add(bad, time.UTC)
	assert.Zero(t, st.Value(rules.Rule{Metric: rules.DistanceM, Tiers: tiers(1)}))
}

// Streaks and hours are the user's: a run at 23:30 in New York is 04:30
// the next day in UTC, and one at 00:30 in Tokyo is the evening before in
// UTC; the same sessions make a streak in one zone and not in another.
func TestStreaksAcrossTimeZonesAndMidnight(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	streak := rules.Rule{Metric: rules.StreakDays, Tiers: tiers(2)}
	night := rules.Rule{Metric: rules.SessionsAtHours, Hours: &rules.Hours{From: 22, To: 4}, Tiers: tiers(1)}

	// Monday 23:30 and Tuesday 07:00 in New York: two local days, one UTC day.
	list := []*activity.Session{sess("run", time.Date(2026, 3, 2, 23, 30, 0, 0, ny), 5), sess("run", time.Date(2026, 3, 3, 7, 0, 0, 0, ny), 5)}
	for _, c := range []struct {
		loc           *time.Location
		streak, night float64
	}{{ny, 2, 1}, {time.UTC, 1, 0}} {
		st := NewState()
		for _, s := range list {
			st.Add(s, c.loc)
		}
		assert.Equal(t, c.streak, st.Value(streak), c.loc.String())
		assert.Equal(t, c.night, st.Value(night), c.loc.String())
		var sessions []activity.Session
		for _, s := range list {
			sessions = append(sessions, *s)
		}
		assert.Equal(t, c.streak, rules.Evaluate(streak, History(sessions, 0, 0, c.loc)).Value, "the reference agrees")
	}

	// Tuesday 00:30 and 23:30 in Tokyo: one local day, two UTC days.
	list = []*activity.Session{sess("run", time.Date(2026, 3, 3, 0, 30, 0, 0, tokyo), 5), sess("run", time.Date(2026, 3, 3, 23, 30, 0, 0, tokyo), 5)}
	for _, c := range []struct {
		loc    *time.Location
		streak float64
	}{{tokyo, 1}, {time.UTC, 2}} {
		st := NewState()
		for _, s := range list {
			st.Add(s, c.loc)
		}
		assert.Equal(t, c.streak, st.Value(streak), c.loc.String())
	}

	// A week streak across the new year (ISO weeks: 2026-W53 then 2027-W01).
	weeks := rules.Rule{Metric: rules.StreakWeeks, Tiers: tiers(2)}
	st := NewState()
	st.Add(sess("run", time.Date(2026, 12, 31, 20, 0, 0, 0, tokyo), 5), tokyo)
	st.Add(sess("run", time.Date(2027, 1, 5, 20, 0, 0, 0, tokyo), 5), tokyo)
	assert.Equal(t, 2.0, st.Value(weeks))
}

// Units: tiers, then a repeatable achievement's repetitions of its last
// tier; points by tier; levels by the documented curve.
func TestUnitsPointsAndLevels(t *testing.T) {
	a := Achievement{ID: "distance_total", Rule: rules.Rule{Metric: rules.DistanceM, Tiers: tiers(100, 500, 1000), RepeatEvery: 1000}}
	assert.Equal(t, Unit{Tier: 1}, a.UnitAt(1))
	assert.Equal(t, Unit{Tier: 2}, a.UnitAt(2))
	assert.Equal(t, Unit{Tier: 3, Repetition: 1}, a.UnitAt(3))
	assert.Equal(t, Unit{Tier: 3, Repetition: 3}, a.UnitAt(5))
	assert.Equal(t, 30, a.Points(a.UnitAt(5)))
	assert.Equal(t, 5, Units(a.Rule.Progress(3000)), "three tiers and two repeats")
	assert.Equal(t, 4, Units(a.Rule.Progress(2999)))
	once := Achievement{ID: "x", Rule: rules.Rule{Metric: rules.Sessions, Tiers: tiers(1, 2)}}
	assert.Equal(t, Unit{Tier: 2}, once.UnitAt(2))

	for points, want := range map[int][2]int{0: {1, 100}, 99: {1, 100}, 100: {2, 300}, 299: {2, 300}, 300: {3, 600},
		999: {4, 1000}, 1000: {5, 1500}, -5: {1, 100}, 49_999_999: {1000, 50_050_000}} {
		level, next := Level(points)
		assert.Equal(t, want, [2]int{level, next}, "%d points", points)
	}
}

// The default catalogue is valid data: 20 to 30 achievements of every
// kind the issue names, with message keys.
func TestDefaultCatalogue(t *testing.T) {
	list, err := DefaultCatalogue()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(list), 20)
	assert.LessOrEqual(t, len(list), 30)
	metrics, ids := map[rules.Metric]bool{}, map[string]bool{}
	hidden, repeatable, tiered := 0, 0, 0
	for _, a := range list {
		assert.False(t, ids[a.ID], "%s twice", a.ID)
		ids[a.ID] = true
		metrics[a.Rule.Metric] = true
		assert.Equal(t, "achievement."+a.ID+".name", a.NameKey)
		if a.Hidden {
			hidden++
		}
		if a.Repeatable() {
			repeatable++
		}
		if len(a.Rule.Tiers) == 3 {
			tiered++
		}
	}
	assert.Len(t, metrics, 15, "every metric")
	assert.Positive(t, hidden)
	assert.Positive(t, repeatable)
	assert.Positive(t, tiered)
}
