package achieve

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/rules"
)

// propertyRules are rules of every metric, window and kind of filter.
func propertyRules() []rules.Rule {
	one := []rules.Tier{{Name: "bronze", Threshold: 1, Points: 1}}
	var out []rules.Rule
	for _, m := range []rules.Metric{rules.DistanceM, rules.MovingTimeS, rules.Sessions, rules.ElevationGainM, rules.StrengthVolumeKg} {
		for _, w := range []rules.Window{rules.All, rules.Year, rules.Month, rules.Week} {
			out = append(out, rules.Rule{Metric: m, Window: w, Tiers: one}, rules.Rule{Metric: m, Window: w, Sport: "run", Tiers: one})
		}
	}
	for _, m := range []rules.Metric{rules.SessionDistanceM, rules.SessionMovingTimeS, rules.SessionElevationGainM,
		rules.StreakDays, rules.StreakWeeks, rules.SportsInWeek, rules.Records, rules.ChallengesCompleted} {
		out = append(out, rules.Rule{Metric: m, Tiers: one})
		if m != rules.SportsInWeek && m != rules.Records && m != rules.ChallengesCompleted {
			out = append(out, rules.Rule{Metric: m, Sport: "ride", Tiers: one})
		}
	}
	for d := range rules.EffortDistances {
		out = append(out, rules.Rule{Metric: rules.BestEffortS, DistanceM: rules.EffortDistances[d], Tiers: []rules.Tier{{Name: "bronze", Threshold: 1e9}}})
	}
	out = append(out, rules.Rule{Metric: rules.SessionsAtHours, Hours: &rules.Hours{From: 5, To: 7}, Tiers: one},
		rules.Rule{Metric: rules.SessionsAtHours, Hours: &rules.Hours{From: 22, To: 4}, Tiers: one},
		rules.Rule{Metric: rules.SessionsAtHours, Sport: "run", Hours: &rules.Hours{From: 0, To: 24}, Tiers: one})
	return out
}

func randomSession(r *rand.Rand, user uuid.UUID) activity.Session {
	sports := []string{"run", "ride", "swim", "strength"}
	start := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(90*24*60)) * time.Minute)
	s := activity.Session{ID: uuid.New(), UserID: user, Sport: sports[r.IntN(len(sports))], StartedAt: start,
		DistanceM: float64(r.IntN(50_000)), MovingTimeS: float64(r.IntN(20_000)), ElevationGainM: float64(r.IntN(2000)),
		StrengthVolumeKg: float64(r.IntN(5000)), Plausible: r.IntN(10) > 0}
	s.CompletedAt = s.StartedAt.Add(time.Duration(s.MovingTimeS) * time.Second)
	if s.Sport == "run" && r.IntN(2) == 0 {
		s.BestEfforts = map[string]float64{"5k": float64(1000 + r.IntN(1000)), "1k": float64(180 + r.IntN(200))}
	}
	return s
}

// The incremental state gives every rule the value rules.Evaluate gives
// over the whole history, after each session added, and after a rebuild
// (an edit or deletion), on random histories in a time zone far from UTC
// (days and hours are local).
func TestStateMatchesEvaluate(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	loc, err := time.LoadLocation("Pacific/Auckland")
	require.NoError(t, err)
	list := propertyRules()
	for i := range list {
		require.NoError(t, list[i].Validate(), "%+v", list[i])
	}
	rebuilt := 0
	for round := range 40 {
		user := uuid.New()
		st := NewState()
		st.Records, st.Challenges = r.IntN(5), r.IntN(3)
		var sessions []activity.Session
		for range r.IntN(60) {
			s := randomSession(r, user)
			sessions = append(sessions, s)
			if !st.Add(&s, loc) {
				// An older session than the latest period's: rebuilt.
				rebuilt++
				st.Rebuild(sessions, loc)
			}
			check(t, round, st, sessions, loc, list)
		}
		// Delete a few and change one: the rebuilt state agrees as well.
		for k := 0; k < 3 && len(sessions) > 0; k++ {
			i := r.IntN(len(sessions))
			sessions = append(sessions[:i], sessions[i+1:]...)
		}
		if len(sessions) > 0 {
			sessions[0].DistanceM += 10_000
			sessions[0].Plausible = !sessions[0].Plausible
		}
		st.Rebuild(sessions, loc)
		check(t, round, st, sessions, loc, list)

		// The stored form gives the same state back; a damaged one is an
		// error, never a panic.
		data, err := st.MarshalBinary()
		require.NoError(t, err)
		back := NewState()
		require.NoError(t, back.UnmarshalBinary(data))
		assert.Equal(t, st, back)
		for cut := 1; cut < len(data); cut++ {
			assert.Error(t, NewState().UnmarshalBinary(data[:cut]), "cut at %d", cut)
		}
	}
	assert.Positive(t, rebuilt, "both paths were taken")
}

func check(t *testing.T, round int, st *State, sessions []activity.Session, loc *time.Location, list []rules.Rule) {
	t.Helper()
	h := History(sessions, st.Records, st.Challenges, loc)
	for _, rule := range list {
		want := rules.Evaluate(rule, h)
		got := st.Progress(rule)
		if !assert.InDelta(t, want.Value, got.Value, 1e-6, "round %d, %d sessions, rule %+v", round, len(sessions), rule) {
			t.FailNow()
		}
		assert.Equal(t, want.Reached, got.Reached)
		assert.Equal(t, want.Repeats, got.Repeats)
	}
}
