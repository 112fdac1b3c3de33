package plan

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestSweep builds plans for many generated requests (a fixed seed, so
// every run tries the same ones): each is either a plan that keeps every
// safety rule or an InfeasibleError whose options all work.
func TestSweep(t *testing.T) {
	loc := paris(t)
	rng := rand.New(rand.NewPCG(12, 2026))
	goals := []GoalKind{GoalRace, GoalRace, GoalRace, GoalVolume, GoalFitness}
	limits := [][]string{nil, nil, nil, {LimitKnee}, {LimitHeart}, {LimitBack}}
	feelings := []Feeling{FeelingGood, FeelingGood, FeelingTired, FeelingSore}
	built, refused := 0, 0
	for i := range 120 {
		today := Date{2026, 1, 1}.AddDays(rng.IntN(365))
		var days []time.Weekday
		for _, d := range rng.Perm(7)[:2+rng.IntN(6)] {
			days = append(days, time.Weekday(d))
		}
		req := Request{Sport: "run", Schedule: Schedule{Days: days, MaxMinutes: 20 + 5*rng.IntN(30)},
			Health: Health{Limitations: limits[rng.IntN(len(limits))], Feeling: feelings[rng.IntN(len(feelings))]}}
		if rng.IntN(3) == 0 {
			req.Schedule.LongDay = &days[rng.IntN(len(days))]
		}
		switch req.Goal.Kind = goals[rng.IntN(len(goals))]; req.Goal.Kind {
		case GoalRace:
			req.Goal.Distance = raceOrder[rng.IntN(len(raceOrder))]
			req.Goal.Date = today.AddDays(7 + rng.IntN(180))
		case GoalVolume:
			req.Goal.WeeklyMinutes = 60 + 10*rng.IntN(40)
			req.Goal.Weeks = 4 + rng.IntN(20)
		case GoalFitness:
			req.Goal.Weeks = 2 + rng.IntN(30)
		}
		a := Athlete{WeeklyMinutes: float64(rng.IntN(500)), LongestMinutes: float64(rng.IntN(150))}
		if rng.IntN(2) == 0 {
			a.VDOT = 30 + float64(rng.IntN(35))
		}
		p, err := Build(req, a, today, loc)
		var inf *InfeasibleError
		switch {
		case err == nil:
			built++
			if bad := checkSafety(p); len(bad) > 0 {
				t.Errorf("case %d %+v %+v: %v\n%s", i, req, a, bad, summary(p))
			}
		case errors.As(err, &inf):
			refused++
			if len(inf.Options) == 0 && req.Goal.Kind != GoalFitness {
				// Nothing works within a year on this schedule: only a
				// schedule that cannot hold the goal at any pace.
				if inf.Key != ReasonGoal {
					t.Errorf("case %d: %s without options", i, inf.Key)
				}
			}
		default:
			t.Errorf("case %d %+v: %v", i, req, err)
		}
	}
	t.Logf("%d plans built, %d refused", built, refused)
	if built < 30 || refused < 10 {
		t.Errorf("the sweep tries too few of each: %d built, %d refused", built, refused)
	}
}

// TestAdaptSweep adapts generated plans to generated histories (missed,
// shortened, lengthened and extra sessions) on random days, and reschedules
// them: every reshaped plan keeps every safety rule from its new start.
func TestAdaptSweep(t *testing.T) {
	loc := paris(t)
	rng := rand.New(rand.NewPCG(5, 2026))
	adapted, rescheduled := 0, 0
	for i := 0; i < 300 && adapted < 40; i++ {
		today := Date{2026, 1, 1}.AddDays(rng.IntN(365))
		days := []time.Weekday{tue, thu, sat, sun, mon, wed, fri}[:3+rng.IntN(4)]
		req := race(raceOrder[rng.IntN(len(raceOrder))], today.AddDays(70+rng.IntN(100)).String(), days, 60+10*rng.IntN(10))
		a := Athlete{WeeklyMinutes: float64(150 + rng.IntN(250)), LongestMinutes: float64(50 + rng.IntN(70))}
		p, err := Build(req, a, today, loc)
		if err != nil {
			continue
		}
		now := today.AddDays(7 + rng.IntN(40))
		skip, scale := map[string]bool{}, map[string]float64{}
		for _, w := range p.Workouts() {
			switch r := rng.Float64(); {
			case r < 0.15:
				skip[w.ID] = true
			case r < 0.25:
				scale[w.ID] = 0.5 + rng.Float64()*1.5
			}
		}
		sessions := done(p, p.From, now, skip, scale)
		for k := range rng.IntN(4) {
			d := now.AddDays(-1 - rng.IntN(14))
			sessions = append(sessions, Session{ID: fmt.Sprint("extra", k), Sport: "run", Start: d.In(loc).Add(7 * time.Hour), Minutes: float64(20 + rng.IntN(60))})
		}
		q, changes, err := Adapt(p, sessions, now)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if len(changes) > 0 {
			adapted++
			if bad := checkSafety(q); len(bad) > 0 {
				t.Errorf("case %d adapted %v: %v\n%s", i, changes, bad, summary(q))
			}
		}
		s := Schedule{Days: []time.Weekday{mon, wed, fri, sat, sun}[:2+rng.IntN(4)], MaxMinutes: 30 + 10*rng.IntN(10)}
		q, _, err = Reschedule(p, s, sessions, now)
		var inf *InfeasibleError
		switch {
		case err == nil:
			rescheduled++
			if bad := checkSafety(q); len(bad) > 0 {
				t.Errorf("case %d rescheduled: %v\n%s", i, bad, summary(q))
			}
		case !errors.As(err, &inf):
			t.Errorf("case %d: %v", i, err)
		}
	}
	t.Logf("%d adapted, %d rescheduled", adapted, rescheduled)
	if adapted < 20 || rescheduled < 10 {
		t.Errorf("too few: %d adapted, %d rescheduled", adapted, rescheduled)
	}
}
