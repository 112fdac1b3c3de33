package plan

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	mon, tue, wed, thu, fri, sat, sun = time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday
)

func paris(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	return loc
}

func day(t testing.TB, s string) Date {
	d, err := ParseDate(s)
	require.NoError(t, err)
	return d
}

func weekday(d time.Weekday) *time.Weekday { return &d }

// scenario is a request for a plan and what the plan must show besides the
// safety rules.
type scenario struct {
	name    string
	today   string
	req     Request
	athlete Athlete
	check   func(t *testing.T, p Plan)
}

func race(distance, date string, days []time.Weekday, maxMin int) Request {
	d, _ := ParseDate(date)
	return Request{Sport: "run", Goal: Goal{Kind: GoalRace, Distance: distance, Date: d}, Schedule: Schedule{Days: days, MaxMinutes: maxMin}}
}

func scenarios() []scenario {
	beginner := Athlete{WeeklyMinutes: 70, LongestMinutes: 30}
	return []scenario{
		{name: "5k in 8 weeks, 3 days, beginner", today: "2026-03-02", req: race(Race5K, "2026-04-26", []time.Weekday{tue, thu, sun}, 45), athlete: beginner},
		{name: "5k in 8 weeks, 5 days of 30 minutes", today: "2026-03-02", req: race(Race5K, "2026-04-25", []time.Weekday{mon, tue, thu, fri, sat}, 30), athlete: Athlete{WeeklyMinutes: 90, LongestMinutes: 30, VDOT: 38}},
		{name: "10k in 10 weeks, 4 days, pace and heart rate", today: "2026-01-07", req: race(Race10K, "2026-03-15", []time.Weekday{tue, thu, sat, sun}, 75),
			athlete: Athlete{VDOT: 42, WeeklyMinutes: 120, LongestMinutes: 50, MaxHR: 188, RestingHR: 52},
			check: func(t *testing.T, p Plan) {
				for _, w := range p.Workouts() {
					if w.Sport == "run" && w.Kind != KindRace {
						require.NotNil(t, w.Pace, w.ID)
						require.NotNil(t, w.HR, w.ID)
						assert.Positive(t, w.DistanceKm, w.ID)
					}
				}
			}},
		{name: "half marathon in 12 weeks, 5 days, zones, long day Saturday", today: "2026-05-06", req: func() Request {
			r := race(RaceHalf, "2026-07-26", []time.Weekday{mon, wed, thu, sat, sun}, 120)
			r.Schedule.LongDay = weekday(sat)
			return r
		}(), athlete: Athlete{WeeklyMinutes: 200, LongestMinutes: 75, Zones: []HRRange{{100, 120}, {120, 140}, {140, 155}, {155, 170}, {170, 190}}},
			check: func(t *testing.T, p Plan) {
				for _, w := range p.Workouts() {
					if w.Kind == KindLong {
						assert.Equal(t, sat, w.Date.Weekday(), w.ID)
						assert.Equal(t, HRRange{120, 140}, *w.HR)
					}
					if w.Kind == KindTempo {
						assert.Equal(t, HRRange{155, 170}, *w.HR)
					}
				}
			}},
		{name: "marathon in 16 weeks, 4 days", today: "2026-03-04", req: race(RaceMarathon, "2026-06-24", []time.Weekday{tue, thu, sat, sun}, 150), athlete: Athlete{VDOT: 45, WeeklyMinutes: 240, LongestMinutes: 90, MaxHR: 190}},
		{name: "marathon in 20 weeks, 6 days", today: "2026-05-20", req: race(RaceMarathon, "2026-10-11", []time.Weekday{mon, tue, wed, thu, sat, sun}, 150), athlete: Athlete{VDOT: 50, WeeklyMinutes: 300, LongestMinutes: 100}},
		{name: "marathon in 20 weeks, 7 days available (six run days)", today: "2026-05-20", req: race(RaceMarathon, "2026-10-11", []time.Weekday{mon, tue, wed, thu, fri, sat, sun}, 120), athlete: Athlete{WeeklyMinutes: 280, LongestMinutes: 95}},
		{name: "race on a Monday: three-week taper", today: "2026-03-02", req: race(Race10K, "2026-05-04", []time.Weekday{tue, thu, sat, sun}, 90), athlete: Athlete{WeeklyMinutes: 150, LongestMinutes: 60}},
		{name: "weekly volume of 240 minutes", today: "2026-02-01", req: Request{Sport: "run", Goal: Goal{Kind: GoalVolume, WeeklyMinutes: 240, Weeks: 12}, Schedule: Schedule{Days: []time.Weekday{mon, wed, fri, sat, sun}, MaxMinutes: 90}}, athlete: Athlete{WeeklyMinutes: 150, LongestMinutes: 60},
			check: func(t *testing.T, p Plan) {
				peak := 0
				for _, w := range p.Weeks {
					assert.LessOrEqual(t, w.Minutes, 240)
					peak = max(peak, w.Minutes)
				}
				assert.GreaterOrEqual(t, peak, 228)
			}},
		{name: "weekly volume of cycling", today: "2026-02-01", req: Request{Sport: "ride", Goal: Goal{Kind: GoalVolume, WeeklyMinutes: 360}, Schedule: Schedule{Days: []time.Weekday{tue, thu, sat, sun}, MaxMinutes: 180}}, athlete: Athlete{WeeklyMinutes: 300, LongestMinutes: 120}},
		{name: "general fitness, 3 days of 40 minutes, nothing recent", today: "2026-09-09", req: Request{Sport: "walk", Goal: Goal{Kind: GoalFitness}, Schedule: Schedule{Days: []time.Weekday{mon, wed, fri}, MaxMinutes: 40}}},
		{name: "general fitness, 6 days", today: "2026-09-09", req: Request{Sport: "run", Goal: Goal{Kind: GoalFitness, Weeks: 8}, Schedule: Schedule{Days: []time.Weekday{mon, tue, wed, thu, fri, sat}, MaxMinutes: 60}}, athlete: Athlete{WeeklyMinutes: 100, LongestMinutes: 40},
			check: func(t *testing.T, p Plan) {
				for _, w := range p.Weeks[1:] {
					n := 0
					for _, x := range w.Workouts {
						if x.Kind == KindStrength {
							n++
						}
					}
					assert.Equal(t, 2, n, "WHO: strength on two days a week (%s)", w.Monday)
				}
			}},
		{name: "knee: cross-training, no intervals", today: "2026-03-02", req: func() Request {
			r := race(Race10K, "2026-05-10", []time.Weekday{tue, wed, thu, sat, sun}, 90)
			r.Health.Limitations = []string{LimitKnee}
			return r
		}(), athlete: Athlete{WeeklyMinutes: 150, LongestMinutes: 60},
			check: func(t *testing.T, p Plan) {
				assert.True(t, slices.ContainsFunc(p.Workouts(), func(w Workout) bool { return w.Kind == KindCross && w.Sport == "ride" }))
			}},
		{name: "heart condition: easy only", today: "2026-03-02", req: func() Request {
			r := race(RaceHalf, "2026-06-07", []time.Weekday{tue, thu, sat, sun}, 120)
			r.Health.Limitations = []string{LimitHeart}
			return r
		}(), athlete: Athlete{WeeklyMinutes: 200, LongestMinutes: 70}},
		{name: "tired: the first week is lighter", today: "2026-03-02", req: func() Request {
			r := race(Race10K, "2026-05-10", []time.Weekday{tue, thu, sat, sun}, 90)
			r.Health.Feeling = FeelingTired
			return r
		}(), athlete: Athlete{WeeklyMinutes: 150, LongestMinutes: 60},
			check: func(t *testing.T, p Plan) {
				assert.True(t, p.Weeks[0].Recovery)
				assert.LessOrEqual(t, p.Weeks[0].Minutes, 113)
			}},
		{name: "unwell: the first week is rest", today: "2026-03-02", req: func() Request {
			r := race(Race10K, "2026-05-10", []time.Weekday{tue, thu, sat, sun}, 90)
			r.Health.Feeling = FeelingUnwell
			return r
		}(), athlete: Athlete{WeeklyMinutes: 150, LongestMinutes: 60},
			check: func(t *testing.T, p Plan) { assert.Zero(t, p.Weeks[0].Minutes) }},
		{name: "starts on a Sunday", today: "2026-03-08", req: race(RaceHalf, "2026-06-14", []time.Weekday{tue, thu, sat, sun}, 120), athlete: Athlete{WeeklyMinutes: 210, LongestMinutes: 80, VDOT: 47}},
	}
}

// TestBuildKeepsEverySafetyRule builds a plan for each scenario and checks it
// against every rule (checkSafety), and the phases a race plan must have.
func TestBuildKeepsEverySafetyRule(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			p, err := Build(sc.req, sc.athlete, day(t, sc.today), paris(t))
			require.NoError(t, err)
			requireSafe(t, p)
			assert.Equal(t, day(t, sc.today), p.From)
			if sc.req.Goal.Kind == GoalRace {
				phases := map[Phase]bool{}
				for _, w := range p.Weeks {
					phases[w.Phase] = true
				}
				for _, ph := range []Phase{PhaseBase, PhaseBuild, PhasePeak, PhaseTaper} {
					assert.True(t, phases[ph], "phase %s missing\n%s", ph, summary(p))
				}
				last := p.Workouts()[len(p.Workouts())-1]
				assert.Equal(t, KindRace, last.Kind)
			}
			if sc.check != nil {
				sc.check(t, p)
			}
			if t.Failed() {
				t.Log("\n" + summary(p))
			}
		})
	}
}

// TestCheckerCatchesBrokenPlans makes sure the checker is not blind: each
// rule broken on purpose is reported.
func TestCheckerCatchesBrokenPlans(t *testing.T) {
	sc := scenarios()[4] // marathon in 16 weeks
	p, err := Build(sc.req, sc.athlete, day(t, sc.today), paris(t))
	require.NoError(t, err)
	require.Empty(t, checkSafety(p))
	breakIt := func(f func(p *Plan)) []string {
		q := p
		q.Weeks = slices.Clone(p.Weeks)
		for i := range q.Weeks {
			q.Weeks[i].Workouts = slices.Clone(p.Weeks[i].Workouts)
		}
		f(&q)
		return checkSafety(q)
	}
	find := func(p *Plan, k Kind, week int) *Workout {
		for i := range p.Weeks[week].Workouts {
			if p.Weeks[week].Workouts[i].Kind == k {
				return &p.Weeks[week].Workouts[i]
			}
		}
		t.Fatalf("no %s in week %d", k, week)
		return nil
	}
	for name, f := range map[string]func(p *Plan){
		"long above 1.10 × the past 30 days": func(p *Plan) { w := find(p, KindLong, 1); w.Minutes += 40; p.Weeks[1].Minutes += 40 },
		"weekly volume jump":                 func(p *Plan) { w := find(p, KindEasy, 2); w.Minutes += 60; p.Weeks[2].Minutes += 60 },
		"threshold above 10 %":               func(p *Plan) { w := find(p, KindTempo, 8); w.WorkMinutes, w.Reps, w.RepMinutes = 40, 1, 40 },
		"too long for the day":               func(p *Plan) { w := find(p, KindEasy, 5); w.Minutes = 200; p.Weeks[5].Minutes += 200 - 74 },
		"no lighter week":                    func(p *Plan) { p.Weeks[3].Recovery = false },
		"taper too light a cut":              func(p *Plan) { w := find(p, KindEasy, 14); w.Minutes += 100; p.Weeks[14].Minutes += 100 },
		"workout on an unavailable day": func(p *Plan) {
			p.Weeks[2].Workouts[0] = Workout{ID: "x", Date: p.Weeks[2].Monday, Kind: KindEasy, Sport: "run", Minutes: 30}
		},
	} {
		assert.NotEmpty(t, breakIt(f), name)
	}
}

// TestInfeasibleGoals: goals out of safe reach are typed errors that say why
// and what would work.
func TestInfeasibleGoals(t *testing.T) {
	loc := paris(t)
	today := day(t, "2026-03-02")
	// offered checks that every option offered works.
	offered := func(t *testing.T, req Request, a Athlete, inf *InfeasibleError) {
		require.NotEmpty(t, inf.Options, inf.Reason)
		for _, o := range inf.Options {
			r := o.Apply(req)
			if o.Key == ChangeLaterDate {
				// and a week earlier does not
				early := req
				early.Goal.Date = o.Date.AddDays(-7)
				if early.Goal.Date.After(today) {
					_, err := Build(early, a, today, loc)
					var again *InfeasibleError
					assert.ErrorAs(t, err, &again, "a week before %s", o.Date)
				}
			}
			p, err := Build(r, a, today, loc)
			if assert.NoError(t, err, "option %+v", o) {
				requireSafe(t, p)
			}
		}
	}
	t.Run("a marathon in 5 weeks from 10 km a week", func(t *testing.T) {
		req := race(RaceMarathon, "2026-04-05", []time.Weekday{tue, thu, sat, sun}, 150)
		a := Athlete{WeeklyMinutes: 65, LongestMinutes: 35}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, "plan.infeasible.time", inf.Key)
		require.NotEmpty(t, inf.Options)
		assert.Equal(t, "later_date", inf.Options[0].Key)
		assert.Contains(t, inf.Reason, "the earliest safe date is "+inf.Options[0].Date.String())
		assert.Equal(t, 300, inf.Params["needed_weekly_minutes"])
		offered(t, req, a, inf)
	})
	t.Run("a marathon in 10 weeks from 2½ hours a week: later, or a half", func(t *testing.T) {
		req := race(RaceMarathon, "2026-05-10", []time.Weekday{tue, thu, sat, sun}, 150)
		a := Athlete{WeeklyMinutes: 150, LongestMinutes: 60}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, "plan.infeasible.time", inf.Key)
		assert.Contains(t, inf.Reason, "or choose a half_marathon")
		offered(t, req, a, inf)
	})
	t.Run("a beginner's 5 km a week too soon", func(t *testing.T) {
		req := race(Race5K, "2026-04-26", []time.Weekday{tue, thu, sun}, 45)
		a := Athlete{WeeklyMinutes: 60, LongestMinutes: 30}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, "later_date", inf.Options[0].Key)
		assert.True(t, inf.Options[0].Date.After(req.Goal.Date))
		offered(t, req, a, inf)
	})
	t.Run("a schedule too small for a marathon", func(t *testing.T) {
		req := race(RaceMarathon, "2026-09-27", []time.Weekday{sat, sun}, 45)
		a := Athlete{WeeklyMinutes: 90, LongestMinutes: 45}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, "plan.infeasible.schedule", inf.Key, inf.Reason)
		assert.Contains(t, inf.Reason, "(the schedule, 2 days of at most 45 minutes, cannot hold it)")
		offered(t, req, a, inf)
	})
	t.Run("a marathon needs longer days", func(t *testing.T) {
		req := race(RaceMarathon, "2026-09-27", []time.Weekday{tue, thu, sat, sun}, 60)
		a := Athlete{WeeklyMinutes: 200, LongestMinutes: 60}
		_, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, "plan.infeasible.schedule", inf.Key, inf.Reason)
		require.True(t, slices.ContainsFunc(inf.Options, func(o Option) bool { return o.Key == "more_minutes" }), inf.Reason)
		offered(t, req, a, inf)
	})
	t.Run("a target time too fast for the weeks left", func(t *testing.T) {
		req := race(Race5K, "2026-04-26", []time.Weekday{tue, thu, sat, sun}, 60)
		req.Goal.TargetTime = 18 * time.Minute // VDOT ≈ 56.6
		_, err := Build(req, Athlete{VDOT: 45, WeeklyMinutes: 150, LongestMinutes: 50}, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, "plan.infeasible.target_time", inf.Key)
		require.Equal(t, "slower_target", inf.Options[0].Key)
		// VDOT 45 + 8 weeks / 4 = 47 → about 21:00 for 5 km.
		assert.InDelta(t, (20*time.Minute + 58*time.Second).Seconds(), inf.Options[0].TargetTime.Seconds(), 15)
		req.Goal.TargetTime = inf.Options[0].TargetTime + time.Second
		_, err = Build(req, Athlete{VDOT: 45, WeeklyMinutes: 150, LongestMinutes: 50}, today, loc)
		require.NoError(t, err)
	})
	t.Run("a weekly volume too far for the weeks", func(t *testing.T) {
		req := Request{Sport: "run", Goal: Goal{Kind: GoalVolume, WeeklyMinutes: 400, Weeks: 4}, Schedule: Schedule{Days: []time.Weekday{mon, tue, wed, thu, sat, sun}, MaxMinutes: 120}}
		_, err := Build(req, Athlete{WeeklyMinutes: 120, LongestMinutes: 45}, today, loc)
		var inf *InfeasibleError
		require.ErrorAs(t, err, &inf)
		assert.Equal(t, "plan.infeasible.time", inf.Key)
		require.Equal(t, "more_weeks", inf.Options[0].Key)
		req.Goal.Weeks = inf.Options[0].Weeks
		p, err := Build(req, Athlete{WeeklyMinutes: 120, LongestMinutes: 45}, today, loc)
		require.NoError(t, err)
		requireSafe(t, p)
	})
}

// TestBadInput: each invalid field is a fielderr naming it.
func TestBadInput(t *testing.T) {
	loc := paris(t)
	today := day(t, "2026-03-02")
	ok := race(Race10K, "2026-05-10", []time.Weekday{tue, thu, sun}, 60)
	cases := map[string]struct {
		field string
		edit  func(r *Request, a *Athlete)
	}{
		"race in the past":       {"goal.date", func(r *Request, a *Athlete) { r.Goal.Date = today.AddDays(-1) }},
		"race today":             {"goal.date", func(r *Request, a *Athlete) { r.Goal.Date = today }},
		"race in two years":      {"goal.date", func(r *Request, a *Athlete) { r.Goal.Date = today.AddDays(700) }},
		"no available day":       {"schedule.days", func(r *Request, a *Athlete) { r.Schedule.Days = nil }},
		"a day twice":            {"schedule.days[1]", func(r *Request, a *Athlete) { r.Schedule.Days = []time.Weekday{tue, tue} }},
		"not a weekday":          {"schedule.days[0]", func(r *Request, a *Athlete) { r.Schedule.Days = []time.Weekday{9} }},
		"max minutes too small":  {"schedule.max_minutes", func(r *Request, a *Athlete) { r.Schedule.MaxMinutes = 15 }},
		"long day not available": {"schedule.long_day", func(r *Request, a *Athlete) { r.Schedule.LongDay = weekday(sat) }},
		"unknown sport":          {"sport", func(r *Request, a *Athlete) { r.Sport = "chess" }},
		"no sport":               {"sport", func(r *Request, a *Athlete) { r.Sport = "" }},
		"strength is no plan":    {"sport", func(r *Request, a *Athlete) { r.Sport = "strength" }},
		"a swimming race":        {"goal.kind", func(r *Request, a *Athlete) { r.Sport = "swim" }},
		"unknown distance":       {"goal.distance", func(r *Request, a *Athlete) { r.Goal.Distance = "ultra" }},
		"unknown goal":           {"goal.kind", func(r *Request, a *Athlete) { r.Goal.Kind = "glory" }},
		"target beyond records":  {"goal.target_time", func(r *Request, a *Athlete) { r.Goal.TargetTime = 20 * time.Minute }},
		"volume of nothing": {"goal.weekly_minutes", func(r *Request, a *Athlete) {
			*r = Request{Sport: "run", Goal: Goal{Kind: GoalVolume}, Schedule: r.Schedule}
		}},
		"plan of one week": {"goal.weeks", func(r *Request, a *Athlete) {
			*r = Request{Sport: "run", Goal: Goal{Kind: GoalFitness, Weeks: 1}, Schedule: r.Schedule}
		}},
		"unknown limitation":     {"health.limitations[1]", func(r *Request, a *Athlete) { r.Health.Limitations = []string{LimitKnee, "ego"} }},
		"unknown feeling":        {"health.feeling", func(r *Request, a *Athlete) { r.Health.Feeling = "meh" }},
		"resting heart rate 300": {"health.resting_hr", func(r *Request, a *Athlete) { r.Health.RestingHR = 300 }},
		"VDOT 5":                 {"athlete.vdot", func(r *Request, a *Athlete) { a.VDOT = 5 }},
		"four zones":             {"athlete.zones", func(r *Request, a *Athlete) { a.Zones = make([]HRRange, 4) }},
		"zones not rising": {"athlete.zones[2]", func(r *Request, a *Athlete) {
			a.Zones = []HRRange{{100, 120}, {120, 140}, {130, 150}, {150, 170}, {170, 190}}
		}},
		"negative weekly minutes": {"athlete.weekly_minutes", func(r *Request, a *Athlete) { a.WeeklyMinutes = -1 }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, a := ok, Athlete{WeeklyMinutes: 150, LongestMinutes: 60}
			r.Schedule.Days = slices.Clone(ok.Schedule.Days)
			c.edit(&r, &a)
			_, err := Build(r, a, today, loc)
			var fe *fielderr.Error
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, c.field, fe.Field, fe.Reason)
		})
	}
	_, err := Build(ok, Athlete{}, today, nil)
	var fe *fielderr.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "zone", fe.Field)
	_, err = Build(ok, Athlete{WeeklyMinutes: 150, LongestMinutes: 60}, today, loc)
	require.NoError(t, err)
}

// TestDaylightSaving: weeks are ISO weeks of seven days in the user's zone
// across both changes, and the calendar day of a session is the user's.
func TestDaylightSaving(t *testing.T) {
	for _, zone := range []string{"Europe/Paris", "America/New_York", "Australia/Sydney", "America/Santiago"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			require.NoError(t, err)
			req := Request{Sport: "run", Goal: Goal{Kind: GoalFitness, Weeks: 52}, Schedule: Schedule{Days: []time.Weekday{mon, tue, wed, thu, fri, sat, sun}, MaxMinutes: 60}}
			p, err := Build(req, Athlete{WeeklyMinutes: 120, LongestMinutes: 40}, day(t, "2026-01-05"), loc)
			require.NoError(t, err)
			requireSafe(t, p)
			require.Len(t, p.Weeks, 52)
			for i, w := range p.Weeks {
				days := map[Date]bool{}
				for _, x := range w.Workouts {
					days[x.Date] = true
				}
				require.Len(t, days, 7, "week %d", i)
				_, n := w.Monday.ISOWeek()
				assert.Equal(t, i+2, n)
			}
			// Every day of the year appears once as a day of the plan.
			seen := map[Date]bool{}
			for _, x := range p.Workouts() {
				seen[x.Date] = true
			}
			assert.Len(t, seen, 52*7)
		})
	}
	// A session just after midnight on the night the clocks change falls on
	// the user's day, not UTC's.
	loc := paris(t)
	spring := time.Date(2026, 3, 29, 0, 30, 0, 0, loc) // Paris springs forward at 02:00 that night
	assert.Equal(t, Date{2026, 3, 29}, DateOf(spring, loc))
	assert.Equal(t, Date{2026, 3, 28}, DateOf(spring, time.UTC))
	// A zone that skipped midnight (São Paulo, 4 November 2018: 00:00 → 01:00).
	sp, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	start := Date{2018, 11, 4}.In(sp)
	assert.Equal(t, Date{2018, 11, 4}, DateOf(start, sp))
	assert.Equal(t, 1, start.Hour())
}
