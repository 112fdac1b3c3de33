package plan

import (
	"errors"
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
				if inf.Key != "plan.infeasible.schedule" {
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
