package plan

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireOptionsWork checks that every option of inf builds, from req, a
// plan that keeps every safety rule.
func requireOptionsWork(t *testing.T, req Request, a Athlete, today Date, inf *InfeasibleError) {
	t.Helper()
	for _, o := range inf.Options {
		p, err := Build(o.Apply(req), a, today, paris(t))
		if assert.NoError(t, err, "option %+v of %s", o, inf.Reason) {
			requireSafe(t, p)
		}
	}
}

func keys(opts []Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Key
	}
	return out
}

// Review findings on the 422's options (issue 12): each case offered an
// option that did not work, or none, or a worse one than works.
func TestInfeasibleOptionsWork(t *testing.T) {
	loc := paris(t)
	today := day(t, "2026-03-02")
	t.Run("a marathon in 6 weeks from 60 minutes a week with a 3 h target: no slower target alone", func(t *testing.T) {
		req := race(RaceMarathon, "2026-04-12", []time.Weekday{tue, thu, sat, sun}, 150)
		req.Goal.TargetTime = 3 * time.Hour
		a := Athlete{VDOT: 45, WeeklyMinutes: 60, LongestMinutes: 30}
		// The target alone would be offered if only the VDOT were judged.
		require.NotNil(t, checkTarget(req, a, today))
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, ReasonTime, inf.Key, inf.Reason)
		assert.NotContains(t, keys(inf.Options), ChangeSlowerTarget, "a slower target alone still lacks the volume")
		require.NotEmpty(t, inf.Options)
		assert.Equal(t, ChangeLaterDate, inf.Options[0].Key)
		assert.Contains(t, inf.Reason, "needs a VDOT of")
		assert.Contains(t, inf.Reason, "a safe build-up reaches")
		requireOptionsWork(t, req, a, today, inf)
		// The date offered reaches the target too: a week earlier fails.
		early := req
		early.Goal.Date = inf.Options[0].Date.AddDays(-7)
		_, err = Build(early, a, today, loc)
		require.Error(t, err)
	})
	t.Run("a 5 km in 7 days from nothing with 30 minutes a day: a later date and longer days", func(t *testing.T) {
		req := race(Race5K, "2026-03-09", []time.Weekday{tue, thu, sat}, 30)
		a := Athlete{}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, ReasonTimeAndSchedule, inf.Key, inf.Reason)
		require.NotEmpty(t, inf.Options, inf.Reason)
		o := inf.Options[0]
		assert.Equal(t, OptionCombined, o.Key)
		assert.Equal(t, []string{ChangeLaterDate, ChangeMoreMinutes}, o.Changes)
		assert.Equal(t, req.Goal.Date.Weekday(), o.Date.Weekday())
		assert.Contains(t, inf.Reason, "race on "+o.Date.String()+" and allow")
		requireOptionsWork(t, req, a, today, inf)
		// Neither change alone works.
		for _, c := range o.Changes {
			one := Option{Changes: []string{c}, Date: o.Date, MaxMinutes: o.MaxMinutes}
			_, err := Build(one.Apply(req), a, today, loc)
			assert.Error(t, err, c)
		}
	})
	t.Run("200 minutes a week in 4 weeks: 7 weeks work, not 13", func(t *testing.T) {
		req := Request{Sport: "run", Goal: Goal{Kind: GoalVolume, WeeklyMinutes: 200, Weeks: 4},
			Schedule: Schedule{Days: []time.Weekday{mon, tue, wed, thu, sat, sun}, MaxMinutes: 120}}
		a := Athlete{WeeklyMinutes: 120, LongestMinutes: 45}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, ReasonTime, inf.Key)
		require.Equal(t, ChangeMoreWeeks, inf.Options[0].Key)
		assert.Equal(t, 7, inf.Options[0].Weeks)
		req6 := req
		req6.Goal.Weeks = 6
		_, err = Build(req6, a, today, loc)
		require.Error(t, err, "6 weeks are not enough")
		assert.Contains(t, keys(inf.Options), ChangeLowerVolume)
		requireOptionsWork(t, req, a, today, inf)
	})
	t.Run("a target too fast, the build-up fine: a slower target that passes as offered", func(t *testing.T) {
		req := race(Race10K, "2026-05-10", []time.Weekday{tue, thu, sat, sun}, 75)
		req.Goal.TargetTime = 38 * time.Minute
		a := Athlete{VDOT: 45, WeeklyMinutes: 180, LongestMinutes: 60}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, ReasonTargetTime, inf.Key)
		require.Equal(t, ChangeSlowerTarget, inf.Options[0].Key)
		requireOptionsWork(t, req, a, today, inf)
		// A second faster does not pass.
		r := inf.Options[0].Apply(req)
		r.Goal.TargetTime -= time.Second
		_, err = Build(r, a, today, loc)
		require.ErrorAs(t, err, &inf)
	})
	t.Run("a marathon on two days of 45 minutes: the schedule", func(t *testing.T) {
		req := race(RaceMarathon, "2026-09-27", []time.Weekday{sat, sun}, 45)
		a := Athlete{WeeklyMinutes: 90, LongestMinutes: 45}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, ReasonSchedule, inf.Key, inf.Reason)
		require.NotEmpty(t, inf.Options)
		assert.NotContains(t, inf.Options[0].Changes, ChangeShorterDistance, "the goal's own race first")
		requireOptionsWork(t, req, a, today, inf)
	})
}

// TestInfeasibleOptionsSweep is the property: for many generated goals,
// athletes and schedules (a fixed seed), every option of every refusal
// builds a plan that keeps every safety rule, and a refusal offers at least
// one option unless its key says nothing but a smaller goal could work.
func TestInfeasibleOptionsSweep(t *testing.T) {
	loc := paris(t)
	rng := rand.New(rand.NewPCG(36, 12))
	n := 250
	if testing.Short() {
		n = 60
	}
	refused, offered, combined := 0, 0, 0
	reasons := map[string]int{}
	for i := range n {
		today := Date{2026, 1, 1}.AddDays(rng.IntN(365))
		var days []time.Weekday
		for _, d := range rng.Perm(7)[:1+rng.IntN(5)] {
			days = append(days, time.Weekday(d))
		}
		req := Request{Sport: "run", Schedule: Schedule{Days: days, MaxMinutes: 20 + 5*rng.IntN(20)}}
		if rng.IntN(4) == 0 {
			req.Health.Limitations = []string{[]string{LimitKnee, LimitHeart, LimitBack}[rng.IntN(3)]}
		}
		if rng.IntN(4) == 0 {
			req.Health.Feeling = FeelingTired
		}
		a := Athlete{WeeklyMinutes: float64(rng.IntN(300)), LongestMinutes: float64(rng.IntN(100))}
		if rng.IntN(2) == 0 {
			a.VDOT = 30 + float64(rng.IntN(30))
		}
		if rng.IntN(4) > 0 {
			req.Goal = Goal{Kind: GoalRace, Distance: raceOrder[rng.IntN(len(raceOrder))], Date: today.AddDays(5 + rng.IntN(120))}
			if rng.IntN(2) == 0 {
				m := raceMetres[req.Goal.Distance] / 1000
				req.Goal.TargetTime = time.Duration(m*(3.5+rng.Float64()*4)) * time.Minute
			}
		} else {
			req.Goal = Goal{Kind: GoalVolume, WeeklyMinutes: 60 + 10*rng.IntN(50), Weeks: 2 + rng.IntN(12)}
		}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		if err == nil {
			continue
		}
		require.True(t, errors.As(err, &inf), "case %d: %v", i, err)
		refused++
		reasons[inf.Key]++
		if len(inf.Options) > 0 {
			offered++
		} else {
			assert.Equal(t, ReasonGoal, inf.Key, "case %d: no option: %s", i, inf.Reason)
		}
		for _, o := range inf.Options {
			if o.Key == OptionCombined {
				combined++
				assert.Greater(t, len(o.Changes), 1)
			} else {
				assert.Equal(t, []string{o.Key}, o.Changes)
			}
			p, err := Build(o.Apply(req), a, today, loc)
			if !assert.NoError(t, err, "case %d %+v %+v: option %+v", i, req, a, o) {
				continue
			}
			if bad := checkSafety(p); len(bad) > 0 {
				t.Errorf("case %d option %+v: %v\n%s", i, o, bad, summary(p))
			}
		}
		assert.NotEmpty(t, inf.Reason)
		assert.False(t, slices.ContainsFunc(inf.Options, func(o Option) bool {
			return o.Key == ChangeSlowerTarget && inf.Key != ReasonTargetTime && inf.Key != ReasonTime
		}), "case %d", i)
	}
	t.Logf("%d refused, %d with options, %d combined options; reasons %v", refused, offered, combined, reasons)
	if refused < n/4 || combined == 0 || reasons[ReasonTargetTime] == 0 || reasons[ReasonTime] == 0 || reasons[ReasonSchedule] == 0 {
		t.Errorf("the sweep does not try every kind of refusal: %d refused, %d combined, %v", refused, combined, reasons)
	}
}

// A plan whose race is out of reach after weeks of missed training says so
// (plan.adapt.goal_at_risk) with options in the API's names, which an
// explanation's JSON keeps.
func TestGoalAtRiskOptions(t *testing.T) {
	p := halfPlan(t)
	today := day(t, "2026-05-25")
	_, changes, err := Adapt(p, done(p, p.From, day(t, "2026-04-27"), nil, nil), today)
	require.NoError(t, err)
	i := slices.IndexFunc(changes, func(e Explanation) bool { return e.Key == "plan.adapt.goal_at_risk" })
	require.GreaterOrEqual(t, i, 0, "%+v", changes)
	raw, err := json.Marshal(changes[i].Params)
	require.NoError(t, err)
	var params struct {
		Reason  string           `json:"reason"`
		Options []map[string]any `json:"options"`
	}
	require.NoError(t, json.Unmarshal(raw, &params))
	assert.Contains(t, []string{ReasonTime, ReasonTimeAndSchedule, ReasonSchedule, ReasonGoal}, params.Reason)
	require.NotEmpty(t, params.Options, string(raw))
	for _, o := range params.Options {
		assert.NotEmpty(t, o["key"])
		assert.NotEmpty(t, o["changes"])
		if d, ok := o["date"]; ok {
			_, err := ParseDate(d.(string))
			assert.NoError(t, err)
		}
	}
}
