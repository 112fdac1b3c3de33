package plan

import (
	"math"
	"slices"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Adaptation thresholds.
const (
	// missedToReshape: three or more workouts missed in the last two
	// weeks reshape the rest of the plan (issue 12).
	missedToReshape = 3
	missedWindow    = 14

	// weeklySpike: seven days above 1.30 × the largest of the four weeks
	// before them is a spike. Plans keep to +10 % (the safe group of Nielsen
	// et al. 2014); Adapt reacts at their risk group, above +30 %.
	weeklySpike = 1.30
)

// Adapt reshapes the plan's remaining weeks from today when the last
// sessions call for it, and explains each change (a message key and its
// parameters). It changes nothing (and explains nothing) otherwise:
//
//   - three or more workouts of the plan's sport missed in the last 14 days
//     (plan.adapt.missed; strength and cross-training do not count): the plan restarts from what was actually done,
//     the mean weekly volume of those two weeks, so the weekly progression
//     rule starts again from there;
//   - a load spike in the last 7 days (plan.adapt.spike): a session of the
//     plan's sport above 1.10 × the longest of the 30 days before it
//     (Garmin-RUNSAFE) or seven days above 1.30 × the largest of the four
//     weeks before them (Nielsen 2014: more injuries above +30 %); the
//     coming week becomes a lighter one, and the weekly and long-session
//     references stay those from before the spike.
//
// When the goal can no longer be reached safely, the reshaped plan is
// returned with plan.adapt.goal_at_risk carrying the infeasibility's key,
// parameters and options. sessions are the user's finished sessions (any
// sport; the last 60 days are enough).
func Adapt(p Plan, sessions []Session, today Date) (Plan, []Explanation, error) {
	if err := checkToday(p, today); err != nil {
		return Plan{}, nil, err
	}
	m := Match(p, sessions)
	matched := map[string]bool{}
	for _, pr := range m.Pairs {
		matched[pr.WorkoutID] = true
	}
	var missed []Workout
	since := today.AddDays(-missedWindow)
	if since.Before(p.From) {
		since = p.From
	}
	for _, w := range p.Workouts() {
		if isSport(w.Kind) && !w.Date.Before(since) && w.Date.Before(today) && !matched[w.ID] {
			missed = append(missed, w)
		}
	}
	h := history(p, sessions, today)
	spike, spikeDay := h.spike(today)

	var changes []Explanation
	basis := p.Athlete
	opt := layOptions{}
	switch {
	case spike != nil:
		changes = append(changes, *spike)
		basis.WeeklyMinutes = h.maxWeek(spikeDay)                   // the spike raises no reference
		basis.LongestMinutes, basis.LongestDate = h.ref30(spikeDay) // the spike does not raise the reference
		opt.firstRecovery = true
	case len(missed) >= missedToReshape:
		basis.WeeklyMinutes = h.minutes(since, today) / (float64(today.DaysSince(since)) / 7)
		basis.LongestMinutes, basis.LongestDate = h.ref30(today)
		ids := make([]string, len(missed))
		for i, w := range missed {
			ids[i] = w.ID
		}
		changes = append(changes, Explanation{Key: "plan.adapt.missed", Params: map[string]any{
			"missed": len(missed), "since": since.String(), "workouts": ids, "weekly_minutes": int(math.Round(basis.WeeklyMinutes)),
		}})
	default:
		return p, nil, nil
	}
	basis.WeeklyMinutes = math.Min(basis.WeeklyMinutes, 50*60)
	q, more, err := replan(p, p.Request, basis, today, opt)
	if err != nil {
		return Plan{}, nil, err
	}
	return q, append(changes, more...), nil
}

// Reschedule re-plans from today for a changed schedule, the weeks before
// today kept. The athlete's state is taken from the sessions (the largest
// week of the last four, the longest session of the last 30 days). A schedule
// that cannot hold the goal is an *InfeasibleError, an invalid one a
// *fielderr.Error naming the field.
func Reschedule(p Plan, s Schedule, sessions []Session, today Date) (Plan, []Explanation, error) {
	if err := checkToday(p, today); err != nil {
		return Plan{}, nil, err
	}
	if err := validateSchedule(s); err != nil {
		return Plan{}, nil, err
	}
	req := p.Request
	req.Schedule = s
	h := history(p, sessions, today)
	basis := p.Athlete
	basis.WeeklyMinutes = math.Min(h.maxWeek(today), 50*60)
	basis.LongestMinutes, basis.LongestDate = h.ref30(today)
	change := Explanation{Key: "plan.adapt.schedule", Params: map[string]any{
		"days": weekdays(s.Days), "max_minutes": s.MaxMinutes,
		"old_days": weekdays(p.Request.Schedule.Days), "old_max_minutes": p.Request.Schedule.MaxMinutes,
	}}
	q, more, err := replan(p, req, basis, today, layOptions{})
	if err != nil {
		return Plan{}, nil, err
	}
	return q, append([]Explanation{change}, more...), nil
}

func weekdays(ds []time.Weekday) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

func checkToday(p Plan, today Date) error {
	if today.IsZero() || today.Before(p.Created) {
		return fielderr.New("today", "%s is before the plan was made (%s)", today, p.Created)
	}
	if today.After(p.End) {
		return fielderr.New("today", "the plan ended on %s", p.End)
	}
	return nil
}

// replan lays the plan again from today with req and basis, keeping the days
// before today as they were. A race goal out of reach after missed training
// keeps the reshaped plan and says so (plan.adapt.goal_at_risk); after a
// schedule change it is an error (the user chooses another schedule).
func replan(p Plan, req Request, basis Athlete, today Date, opt layOptions) (Plan, []Explanation, error) {
	q, short := lay(req, basis, today, p.Location, opt)
	var more []Explanation
	if short != nil {
		inf := planner{a: basis, today: today, loc: p.Location, opt: opt}.infeasible(req, short, nil)
		if !slices.Equal(req.Schedule.Days, p.Request.Schedule.Days) || req.Schedule.MaxMinutes != p.Request.Schedule.MaxMinutes {
			return Plan{}, nil, inf
		}
		opts := make([]map[string]any, len(inf.Options))
		for i, o := range inf.Options {
			opts[i] = o.Params()
		}
		more = append(more, Explanation{Key: "plan.adapt.goal_at_risk", Params: map[string]any{"reason": inf.Key, "details": inf.Params, "options": opts}})
	}
	q.Created, q.Notes = p.Created, p.Notes
	// Keep the weeks before today's, and the days of today's week before today.
	var weeks []Week
	for _, w := range p.Weeks {
		if w.Monday.Before(today.Monday()) {
			weeks = append(weeks, w)
		}
	}
	if len(q.Weeks) > 0 {
		first := q.Weeks[0]
		for _, w := range p.Weeks {
			if w.Monday != first.Monday {
				continue
			}
			var kept []Workout
			for _, x := range w.Workouts {
				if x.Date.Before(today) {
					kept = append(kept, x)
					if isSport(x.Kind) {
						first.Minutes += x.Minutes
					}
				}
			}
			first.Workouts = append(kept, first.Workouts...)
		}
		q.Weeks[0] = first
	}
	q.Weeks = append(weeks, q.Weeks...)
	return q, more, nil
}

// sessionHistory is the user's sessions of the plan's sport by day, with the
// plan's basis standing in for the time before the plan.
type sessionHistory struct {
	p    Plan
	days map[Date]float64 // minutes per day
	long map[Date]float64 // longest session per day
	ids  map[Date]string  // the longest session's ID per day
}

func history(p Plan, sessions []Session, today Date) sessionHistory {
	h := sessionHistory{p: p, days: map[Date]float64{}, long: map[Date]float64{}, ids: map[Date]string{}}
	for _, s := range sessions {
		if family(s.Sport) != family(p.Request.Sport) {
			continue
		}
		d := DateOf(s.Start, p.Location)
		if !d.Before(today) {
			continue
		}
		h.days[d] += s.Minutes
		if s.Minutes > h.long[d] {
			h.long[d], h.ids[d] = s.Minutes, s.ID
		}
	}
	return h
}

// minutes is the minutes done in [from, to).
func (h sessionHistory) minutes(from, to Date) float64 {
	t := 0.0
	for d := from; d.Before(to); d = d.AddDays(1) {
		t += h.days[d]
	}
	return t
}

// maxWeek is the largest of the four 7-day weeks before today; days before
// the plan's current shape count at the basis's weekly volume.
func (h sessionHistory) maxWeek(today Date) float64 {
	best := 0.0
	for k := 1; k <= 4; k++ {
		from := today.AddDays(-7 * k)
		if from.Before(h.p.From) {
			best = math.Max(best, h.p.Athlete.WeeklyMinutes)
			continue
		}
		best = math.Max(best, h.minutes(from, from.AddDays(7)))
	}
	return best
}

// ref30 is the longest session in the 30 days before d, the basis's longest
// included while its day is in them.
func (h sessionHistory) ref30(d Date) (float64, Date) {
	best, day := 0.0, Date{}
	b := h.p.Athlete
	ld := b.LongestDate
	if ld.IsZero() {
		ld = h.p.From.AddDays(-15)
	}
	if k := d.DaysSince(ld); k >= 1 && k <= 30 {
		best, day = b.LongestMinutes, ld
	}
	for k := 1; k <= 30; k++ {
		x := d.AddDays(-k)
		if h.long[x] > best {
			best, day = h.long[x], x
		}
	}
	return best, day
}

// spike finds a load spike in the last 7 days: a session above 1.10 × the
// longest of the 30 days before it, or a 7-day week above 1.30 × the largest
// of the four before it (history before the plan counted at the basis); the
// day the spike ends.
func (h sessionHistory) spike(today Date) (*Explanation, Date) {
	for k := 7; k >= 1; k-- {
		d := today.AddDays(-k)
		if h.long[d] == 0 {
			continue
		}
		ref, _ := h.ref30(d)
		ref = math.Max(ref, floorLongestMinutes)
		if h.long[d] > sessionSpike*ref+1e-9 {
			return &Explanation{Key: "plan.adapt.spike", Params: map[string]any{
				"kind": "session", "session": h.ids[d], "date": d.String(), "minutes": int(math.Round(h.long[d])),
				"reference_minutes": int(math.Round(ref)), "ratio": round2(h.long[d] / ref),
			}}, d
		}
	}
	week := h.minutes(today.AddDays(-7), today)
	before := math.Max(h.maxWeek(today.AddDays(-7)), floorWeeklyMinutes)
	if week > weeklySpike*before+1e-9 {
		return &Explanation{Key: "plan.adapt.spike", Params: map[string]any{
			"kind": "week", "date": today.AddDays(-7).String(), "minutes": int(math.Round(week)),
			"reference_minutes": int(math.Round(before)), "ratio": round2(week / before),
		}}, today.AddDays(-7)
	}
	return nil, Date{}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
