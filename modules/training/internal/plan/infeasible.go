package plan

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// InfeasibleError is a goal that cannot be reached safely: why, and what
// would work. The API answers it with 422 and the explanation.
type InfeasibleError struct {
	// Key names the reason for the app to translate: plan.infeasible.time
	// (too little time to build up safely), plan.infeasible.schedule (the
	// schedule cannot hold the training the goal needs) or
	// plan.infeasible.target_time (the target time is too fast for the
	// time left).
	Key    string
	Params map[string]any
	// Reason is the explanation in English.
	Reason string
	// Options are goals that would work, best first.
	Options []Option
}

func (e *InfeasibleError) Error() string { return e.Reason }

// Option is a change of the request that makes a plan feasible.
type Option struct {
	// Key: later_date (Date), shorter_distance (Distance), slower_target
	// (TargetTime), more_weeks (Weeks), more_minutes (MaxMinutes) or
	// more_days (Days, the number of available days).
	Key        string
	Date       Date
	Distance   string
	TargetTime time.Duration
	Weeks      int
	MaxMinutes int
	Days       int
}

// checkTarget rejects a race target time the athlete cannot reach by the
// race: one needing more than one VDOT point per four weeks of training
// (vdotGainWeeks). Without a VDOT the target is not judged (the plan says
// so in a note).
func checkTarget(req Request, a Athlete, today Date) error {
	g := req.Goal
	if g.Kind != GoalRace || g.TargetTime == 0 || a.VDOT == 0 {
		return nil
	}
	metres := raceMetres[g.Distance]
	need := VDOT(metres, g.TargetTime)
	weeks := float64(g.Date.DaysSince(today)) / 7
	reach := a.VDOT + weeks/vdotGainWeeks
	if need <= reach {
		return nil
	}
	earliest := today.AddDays(int(math.Ceil((need - a.VDOT) * vdotGainWeeks * 7)))
	slower := RaceTime(metres, reach).Round(time.Second)
	opts := []Option{{Key: "slower_target", TargetTime: slower}}
	if earliest.DaysSince(today) <= maxPlanWeeks*7 {
		opts = append(opts, Option{Key: "later_date", Date: earliest})
	}
	return &InfeasibleError{
		Key:    "plan.infeasible.target_time",
		Params: map[string]any{"distance": g.Distance, "target_time": g.TargetTime.String(), "vdot": round1(a.VDOT), "needed_vdot": round1(need), "weeks": int(weeks)},
		Reason: fmt.Sprintf("a %s in %s needs a VDOT of %.1f; yours is %.1f and rises by about one point in %d weeks of training (Daniels), so %d weeks are not enough: aim for %s, or race on or after %s",
			g.Distance, g.TargetTime, need, a.VDOT, vdotGainWeeks, int(weeks), slower, earliest),
		Options: opts,
	}
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// infeasible explains a plan that fell short of its goal's minimums and
// looks for what would work: a later date or shorter race, more weeks, or a
// roomier schedule.
func infeasible(req Request, a Athlete, today Date, loc *time.Location, short *shortfall) error {
	opt := layOptions{firstRecovery: feelingLow(req.Health.Feeling)}
	works := func(r Request) bool { _, s := lay(r, a, today, loc, opt); return s == nil }
	params := map[string]any{
		"weekly_minutes": int(short.weekly), "needed_weekly_minutes": int(short.wantWeekly),
		"long_minutes": int(short.long), "needed_long_minutes": int(short.wantLong),
		"current_weekly_minutes": int(a.WeeklyMinutes),
	}
	g := req.Goal
	var opts []Option
	if g.Kind == GoalRace {
		params["distance"], params["date"] = g.Distance, g.Date.String()
		for k := 1; g.Date.AddDays(7*k).DaysSince(today) <= maxPlanWeeks*7; k++ {
			r := req
			r.Goal.Date = g.Date.AddDays(7 * k)
			if works(r) {
				opts = append(opts, Option{Key: "later_date", Date: r.Goal.Date})
				break
			}
		}
		for _, d := range slices.Backward(raceOrder[:slices.Index(raceOrder, g.Distance)]) {
			r := req
			r.Goal.Distance, r.Goal.TargetTime = d, 0
			if works(r) {
				opts = append(opts, Option{Key: "shorter_distance", Distance: d})
				break
			}
		}
	} else if g.Kind == GoalVolume {
		params["goal_weekly_minutes"] = g.WeeklyMinutes
		for w := max(g.Weeks, 12) + 1; w <= maxPlanWeeks; w++ {
			r := req
			r.Goal.Weeks = w
			if works(r) {
				opts = append(opts, Option{Key: "more_weeks", Weeks: w})
				break
			}
		}
	}
	timeHelps := slices.ContainsFunc(opts, func(o Option) bool { return o.Key == "later_date" || o.Key == "more_weeks" })
	if !timeHelps {
		// The schedule: more minutes a day, or more days.
		for m := req.Schedule.MaxMinutes + 5; m <= 240; m += 5 {
			r := req
			r.Schedule.MaxMinutes = m
			if works(r) {
				opts = append(opts, Option{Key: "more_minutes", MaxMinutes: m})
				break
			}
		}
		days := slices.Clone(req.Schedule.Days)
		for _, d := range []time.Weekday{time.Saturday, time.Sunday, time.Wednesday, time.Tuesday, time.Thursday, time.Monday, time.Friday} {
			if slices.Contains(days, d) {
				continue
			}
			days = append(days, d) // keep adding until it works
			r := req
			r.Schedule.Days = slices.Clone(days)
			if works(r) {
				opts = append(opts, Option{Key: "more_days", Days: len(r.Schedule.Days)})
				break
			}
		}
	}
	// Time alone fixes it, or the schedule has to change.
	e := &InfeasibleError{Key: "plan.infeasible.time", Params: params, Options: opts}
	if !timeHelps {
		e.Key = "plan.infeasible.schedule"
	}
	e.Reason = reason(req, a, short, e.Key, opts)
	return e
}

// reason writes the explanation of an infeasible goal.
func reason(req Request, a Athlete, short *shortfall, key string, opts []Option) string {
	g := req.Goal
	var what string
	if g.Kind == GoalRace {
		what = fmt.Sprintf("a %s on %s from %.0f minutes a week", g.Distance, g.Date, a.WeeklyMinutes)
	} else {
		what = fmt.Sprintf("%d minutes a week from %.0f", g.WeeklyMinutes, a.WeeklyMinutes)
	}
	s := fmt.Sprintf("%s: a safe build-up reaches %.0f minutes a week", what, short.weekly)
	if short.wantLong > 0 {
		s += fmt.Sprintf(" and a %.0f-minute long session", short.long)
	}
	s += fmt.Sprintf(", but the goal needs %.0f", short.wantWeekly)
	if short.wantLong > 0 {
		s += fmt.Sprintf(" and %.0f", short.wantLong)
	}
	if key == "plan.infeasible.schedule" {
		s += fmt.Sprintf(" (the schedule, %d days of at most %d minutes, cannot hold it)", len(req.Schedule.Days), req.Schedule.MaxMinutes)
	}
	var alts []string
	for _, o := range opts {
		switch o.Key {
		case "later_date":
			alts = append(alts, "the earliest safe date is "+o.Date.String())
		case "shorter_distance":
			alts = append(alts, "choose a "+o.Distance)
		case "more_weeks":
			alts = append(alts, fmt.Sprintf("plan over %d weeks", o.Weeks))
		case "more_minutes":
			alts = append(alts, fmt.Sprintf("allow %d minutes a day", o.MaxMinutes))
		case "more_days":
			alts = append(alts, fmt.Sprintf("train on %d days a week", o.Days))
		}
	}
	for i, alt := range alts {
		if i == 0 {
			s += ": " + alt
		} else {
			s += ", or " + alt
		}
	}
	return s
}
