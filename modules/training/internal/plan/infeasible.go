package plan

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Reasons of an InfeasibleError (its Key), chosen by what fixes the goal.
const (
	// ReasonTargetTime: the build-up is safe but the target time is too
	// fast for the time left; a slower target (or a later race) works.
	ReasonTargetTime = "plan.infeasible.target_time"
	// ReasonTime: too little time to build up safely; a later race or a
	// longer plan alone works (with a slower target when one is set and
	// out of reach).
	ReasonTime = "plan.infeasible.time"
	// ReasonSchedule: the schedule cannot hold the training the goal
	// needs; more minutes a day or more days alone work.
	ReasonSchedule = "plan.infeasible.schedule"
	// ReasonTimeAndSchedule: neither more time nor a roomier schedule is
	// enough alone; both together work.
	ReasonTimeAndSchedule = "plan.infeasible.time_and_schedule"
	// ReasonGoal: no later date within a year nor any schedule reaches the
	// goal safely; only a smaller goal works (a shorter race, a lower
	// weekly volume), or nothing within the planner's limits.
	ReasonGoal = "plan.infeasible.goal"
)

// InfeasibleError is a goal that cannot be reached safely: why, and what
// would work. The API answers it with 422 and the explanation.
type InfeasibleError struct {
	// Key names the reason for the app to translate: one of the Reason…
	// constants.
	Key    string
	Params map[string]any
	// Reason is the explanation in English.
	Reason string
	// Options are changes of the request that would work, best first:
	// each was checked by the planner (the plan it gives keeps every
	// safety rule and reaches the goal).
	Options []Option
}

func (e *InfeasibleError) Error() string { return e.Reason }

// Changes an Option can make.
const (
	ChangeLaterDate       = "later_date"
	ChangeShorterDistance = "shorter_distance"
	ChangeSlowerTarget    = "slower_target"
	ChangeMoreWeeks       = "more_weeks"
	ChangeLowerVolume     = "lower_volume"
	ChangeMoreMinutes     = "more_minutes"
	ChangeMoreDays        = "more_days"
	// OptionCombined is the Key of an option making more than one change.
	OptionCombined = "combined"
)

// Option is a change of the request that makes a plan feasible: one change,
// or several together when no single one works.
type Option struct {
	// Key is the option's one change, or OptionCombined.
	Key string
	// Changes lists the changes the option makes (one of the Change…
	// constants each); each sets its field below.
	Changes []string
	// later_date: the race day (the same weekday as the requested one).
	Date Date
	// shorter_distance: the race distance, without a target time.
	Distance string
	// slower_target: the fastest target time in reach by the race day.
	TargetTime time.Duration
	// more_weeks: the number of weeks of the plan.
	Weeks int
	// lower_volume: the weekly minutes to aim at.
	WeeklyMinutes int
	// more_minutes: the most minutes of training on one day.
	MaxMinutes int
	// more_days: the number of available days, and the days the option
	// was checked with (the request's and those added).
	Days     int
	Weekdays []time.Weekday
}

// Apply is req with the option's changes.
func (o Option) Apply(req Request) Request {
	r := req
	r.Schedule.Days = slices.Clone(req.Schedule.Days)
	for _, c := range o.Changes {
		switch c {
		case ChangeLaterDate:
			r.Goal.Date = o.Date
		case ChangeShorterDistance:
			r.Goal.Distance, r.Goal.TargetTime = o.Distance, 0
		case ChangeSlowerTarget:
			r.Goal.TargetTime = o.TargetTime
		case ChangeMoreWeeks:
			r.Goal.Weeks = o.Weeks
		case ChangeLowerVolume:
			r.Goal.WeeklyMinutes = o.WeeklyMinutes
		case ChangeMoreMinutes:
			r.Schedule.MaxMinutes = o.MaxMinutes
		case ChangeMoreDays:
			r.Schedule.Days = slices.Clone(o.Weekdays)
		}
	}
	return r
}

// Params is the option as an explanation's parameters carry it (the names
// of the API's options: key, changes, date, distance, target_time_s, weeks,
// weekly_minutes, max_minutes, days, weekdays; the fields of its changes
// only).
func (o Option) Params() map[string]any {
	m := map[string]any{"key": o.Key, "changes": slices.Clone(o.Changes)}
	for _, c := range o.Changes {
		switch c {
		case ChangeLaterDate:
			m["date"] = o.Date.String()
		case ChangeShorterDistance:
			m["distance"] = o.Distance
		case ChangeSlowerTarget:
			m["target_time_s"] = int(o.TargetTime.Seconds())
		case ChangeMoreWeeks:
			m["weeks"] = o.Weeks
		case ChangeLowerVolume:
			m["weekly_minutes"] = o.WeeklyMinutes
		case ChangeMoreMinutes:
			m["max_minutes"] = o.MaxMinutes
		case ChangeMoreDays:
			m["days"], m["weekdays"] = o.Days, lowerWeekdays(o.Weekdays)
		}
	}
	return m
}

func lowerWeekdays(ds []time.Weekday) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = strings.ToLower(d.String())
	}
	return out
}

// targetGap is a target time out of reach: the VDOT it needs and the one
// the athlete can reach by the race.
type targetGap struct {
	need, reach float64
	weeks       float64
}

// checkTarget judges a race target time: out of reach when it needs more
// than one VDOT point per four weeks of training (vdotGainWeeks) until the
// race. Without a VDOT the target is not judged (the plan says so in a
// note).
func checkTarget(req Request, a Athlete, today Date) *targetGap {
	g := req.Goal
	if g.Kind != GoalRace || g.TargetTime == 0 || a.VDOT == 0 {
		return nil
	}
	need := VDOT(raceMetres[g.Distance], g.TargetTime)
	weeks := float64(g.Date.DaysSince(today)) / 7
	reach := a.VDOT + weeks/vdotGainWeeks
	if need <= reach {
		return nil
	}
	return &targetGap{need: need, reach: reach, weeks: weeks}
}

// fastestTarget is the fastest target time for the race on date that
// checkTarget accepts: the time of the VDOT in reach, up to the second.
func fastestTarget(distance string, date Date, a Athlete, today Date) time.Duration {
	metres := raceMetres[distance]
	reach := a.VDOT + float64(date.DaysSince(today))/7/vdotGainWeeks
	t := RaceTime(metres, reach).Truncate(time.Second)
	for VDOT(metres, t) > reach {
		t += time.Second
	}
	return t
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// planner is the feasibility test that every option must pass: the one the
// request itself failed.
type planner struct {
	a     Athlete
	today Date
	loc   *time.Location
	opt   layOptions
	// target: the target time is judged (Build); a re-plan keeps the
	// target its plan was accepted with.
	target bool
	// tried remembers the requests judged (the searches of several
	// options meet the same ones).
	tried map[string]bool
}

// works reports whether the planner builds a plan for r that reaches its
// goal.
func (pl planner) works(r Request) bool {
	key := fmt.Sprint(r.Goal, r.Schedule.MaxMinutes, r.Schedule.Days)
	if ok, seen := pl.tried[key]; seen {
		return ok
	}
	ok := pl.judge(r)
	if pl.tried != nil {
		pl.tried[key] = ok
	}
	return ok
}

func (pl planner) judge(r Request) bool {
	if validate(r, pl.a, pl.today, pl.loc) != nil {
		return false
	}
	if pl.target && checkTarget(r, pl.a, pl.today) != nil {
		return false
	}
	_, short := lay(r, pl.a, pl.today, pl.loc, pl.opt)
	return short == nil
}

// dimension is one kind of change, with its candidates from the least
// change (0) to the most (n−1).
type dimension struct {
	change string
	n      int
	// set records candidate i in o, which holds the changes of the
	// dimensions before it.
	set func(o *Option, i int)
}

// Kinds of dimension, for choosing the reason.
func isTime(c string) bool     { return c == ChangeLaterDate || c == ChangeMoreWeeks }
func isSchedule(c string) bool { return c == ChangeMoreMinutes || c == ChangeMoreDays }

// addedDays is the order in which more_days adds days: the weekend first,
// then midweek days apart from each other.
var addedDays = []time.Weekday{time.Saturday, time.Sunday, time.Wednesday, time.Tuesday, time.Thursday, time.Monday, time.Friday}

// maxOptionMinutes bounds the more_minutes search: four hours a day.
const maxOptionMinutes = 240

// dimensions are the changes that could make req feasible, in the order
// they are applied (a slower target last: it depends on the race day).
func (pl planner) dimensions(req Request) []dimension {
	g := req.Goal
	var ds []dimension
	switch g.Kind {
	case GoalRace:
		last := pl.today.AddDays(maxPlanWeeks * 7)
		n := 0
		for g.Date.AddDays(7*(n+1)).DaysSince(last) <= 0 {
			n++
		}
		ds = append(ds, dimension{ChangeLaterDate, n, func(o *Option, i int) { o.Date = g.Date.AddDays(7 * (i + 1)) }})
		shorter := slices.Index(raceOrder, g.Distance)
		ds = append(ds, dimension{ChangeShorterDistance, shorter, func(o *Option, i int) { o.Distance = raceOrder[shorter-1-i] }})
	case GoalVolume, GoalFitness:
		weeks := g.Weeks
		if weeks == 0 {
			weeks = 12
		}
		ds = append(ds, dimension{ChangeMoreWeeks, maxPlanWeeks - weeks, func(o *Option, i int) { o.Weeks = weeks + 1 + i }})
		if g.Kind == GoalVolume {
			ds = append(ds, dimension{ChangeLowerVolume, (g.WeeklyMinutes - minWorkoutMinutes) / 10, func(o *Option, i int) { o.WeeklyMinutes = g.WeeklyMinutes - 10*(i+1) }})
		}
	}
	ds = append(ds, dimension{ChangeMoreMinutes, max(0, (maxOptionMinutes-req.Schedule.MaxMinutes)/5), func(o *Option, i int) {
		o.MaxMinutes = req.Schedule.MaxMinutes + 5*(i+1)
	}})
	var missing []time.Weekday
	for _, d := range addedDays {
		if !slices.Contains(req.Schedule.Days, d) {
			missing = append(missing, d)
		}
	}
	ds = append(ds, dimension{ChangeMoreDays, len(missing), func(o *Option, i int) {
		o.Weekdays = append(slices.Clone(req.Schedule.Days), missing[:i+1]...)
		o.Days = len(o.Weekdays)
	}})
	if pl.target && g.Kind == GoalRace && g.TargetTime > 0 && pl.a.VDOT > 0 {
		ds = append(ds, dimension{ChangeSlowerTarget, 1, func(o *Option, _ int) {
			date := g.Date
			if !o.Date.IsZero() {
				date = o.Date
			}
			o.TargetTime = fastestTarget(g.Distance, date, pl.a, pl.today)
		}})
	}
	return slices.DeleteFunc(ds, func(d dimension) bool { return d.n <= 0 })
}

// option is the option of candidates idx of ds.
func option(ds []dimension, idx []int) Option {
	var o Option
	for i, d := range ds {
		d.set(&o, idx[i])
		o.Changes = append(o.Changes, d.change)
	}
	o.Key = OptionCombined
	if len(o.Changes) == 1 {
		o.Key = o.Changes[0]
	}
	return o
}

// search finds the least change along ds together that works: each
// dimension in turn takes its least candidate that works with those before
// it fixed and those after it at their most. false: even the most of each
// does not work.
func (pl planner) search(req Request, ds []dimension) (Option, bool) {
	idx := make([]int, len(ds))
	for i, d := range ds {
		idx[i] = d.n - 1
	}
	if !pl.works(option(ds, idx).Apply(req)) {
		return Option{}, false
	}
	for i, d := range ds {
		idx[i] = first(d.n, func(k int) bool {
			idx[i] = k
			return pl.works(option(ds, idx).Apply(req))
		})
	}
	return option(ds, idx), true
}

// first is the first of n candidates for which ok holds, given that it
// holds for the last one and assuming that it keeps holding past the first
// (more time or room does not make a plan unsafe). It tries the candidates
// 0, 1, 3, 7, … and then halves the gap, about 2·log2(n) of them; the
// candidate before the one returned was tried and failed.
func first(n int, ok func(int) bool) int {
	lo, hi := -1, n-1 // ok(hi) holds; ok(lo) fails (lo −1: none tried)
	for k, step := 0, 1; k < hi; k, step = k+step, step*2 {
		if ok(k) {
			hi = k
			break
		}
		lo = k
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// maxOptions bounds the options offered.
const maxOptions = 5

// options are the changes that make req feasible: every single change that
// works (a slower target first, then time, a smaller goal, the schedule);
// when none does, pairs of changes, and when no pair does, triples.
func (pl planner) options(req Request) []Option {
	ds := pl.dimensions(req)
	var opts []Option
	for _, d := range ds {
		if o, ok := pl.search(req, []dimension{d}); ok {
			opts = append(opts, o)
		}
	}
	// Changes together, while no option keeps the goal; once a smaller
	// goal works, only those that keep it.
	keeps := func(o Option) bool { return !changesGoal(o) }
	for size := 2; size <= 3 && !slices.ContainsFunc(opts, keeps); size++ {
		smaller := len(opts) > 0
		for _, set := range subsets(len(ds), size) {
			sub := make([]dimension, len(set))
			for i, k := range set {
				sub[i] = ds[k]
			}
			if has(sub, ChangeShorterDistance) && has(sub, ChangeSlowerTarget) {
				continue // a shorter race has no target
			}
			if smaller && (has(sub, ChangeShorterDistance) || has(sub, ChangeLowerVolume)) {
				continue
			}
			if o, ok := pl.search(req, sub); ok {
				opts = append(opts, o)
			}
		}
	}
	// A slower target alone first (the rest of the goal stands), a smaller
	// goal last (the user asked for this one).
	rank := func(o Option) int {
		switch {
		case o.Key == ChangeSlowerTarget:
			return 0
		case changesGoal(o):
			return 2
		}
		return 1
	}
	slices.SortStableFunc(opts, func(x, y Option) int { return rank(x) - rank(y) })
	if len(opts) > maxOptions {
		opts = opts[:maxOptions]
	}
	return opts
}

// changesGoal reports whether o makes the goal smaller.
func changesGoal(o Option) bool {
	return slices.Contains(o.Changes, ChangeShorterDistance) || slices.Contains(o.Changes, ChangeLowerVolume)
}

func has(ds []dimension, change string) bool {
	return slices.ContainsFunc(ds, func(d dimension) bool { return d.change == change })
}

// subsets lists the subsets of size k of 0…n−1, in lexicographic order.
func subsets(n, k int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
			out = append(out, slices.Clone(cur))
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(cur, i))
		}
	}
	rec(0, nil)
	return out
}

// infeasible explains a goal the planner could not reach (short: what the
// laid plan missed, nil when the build-up was enough; gap: a target time
// out of reach, nil when none) and finds what would work.
func (pl planner) infeasible(req Request, short *shortfall, gap *targetGap) *InfeasibleError {
	pl.tried = map[string]bool{}
	opts := pl.options(req)
	params := map[string]any{"current_weekly_minutes": int(pl.a.WeeklyMinutes)}
	g := req.Goal
	if g.Kind == GoalRace {
		params["distance"], params["date"] = g.Distance, g.Date.String()
	}
	if g.Kind == GoalVolume {
		params["goal_weekly_minutes"] = g.WeeklyMinutes
	}
	if short != nil {
		params["weekly_minutes"], params["needed_weekly_minutes"] = int(short.weekly), int(short.wantWeekly)
		params["long_minutes"], params["needed_long_minutes"] = int(short.long), int(short.wantLong)
	}
	if gap != nil {
		params["target_time"], params["vdot"], params["needed_vdot"], params["weeks"] = g.TargetTime.String(), round1(pl.a.VDOT), round1(gap.need), int(gap.weeks)
	}
	e := &InfeasibleError{Key: reasonKey(short, opts), Params: params, Options: opts}
	e.Reason = pl.reason(req, short, gap, e.Key, opts)
	return e
}

// reasonKey chooses the reason by what fixes the goal: the target time
// alone when the build-up is safe, else time alone (with a slower target
// if need be), the schedule alone, both, or only a smaller goal.
func reasonKey(short *shortfall, opts []Option) string {
	only := func(kinds ...func(string) bool) bool {
		return slices.ContainsFunc(opts, func(o Option) bool {
			for _, c := range o.Changes {
				if !slices.ContainsFunc(kinds, func(k func(string) bool) bool { return k(c) }) {
					return false
				}
			}
			return true
		})
	}
	isTarget := func(c string) bool { return c == ChangeSlowerTarget }
	switch {
	case short == nil:
		return ReasonTargetTime
	case only(isTime, isTarget):
		return ReasonTime
	case only(isSchedule, isTarget):
		return ReasonSchedule
	case only(isTime, isSchedule, isTarget):
		return ReasonTimeAndSchedule
	}
	return ReasonGoal
}

// reason writes the explanation of an infeasible goal.
func (pl planner) reason(req Request, short *shortfall, gap *targetGap, key string, opts []Option) string {
	g, a := req.Goal, pl.a
	var parts []string
	if short != nil {
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
		if key == ReasonSchedule || key == ReasonTimeAndSchedule {
			s += fmt.Sprintf(" (the schedule, %d days of at most %d minutes, cannot hold it)", len(req.Schedule.Days), req.Schedule.MaxMinutes)
		}
		parts = append(parts, s)
	}
	if gap != nil {
		parts = append(parts, fmt.Sprintf("a %s in %s needs a VDOT of %.1f; yours is %.1f and rises by about one point in %d weeks of training (Daniels), so %d weeks are not enough",
			g.Distance, g.TargetTime, gap.need, a.VDOT, vdotGainWeeks, int(gap.weeks)))
	}
	s := strings.Join(parts, "; ")
	if len(opts) == 0 {
		return s + ": no later date within a year, roomier schedule or smaller goal reaches it safely"
	}
	alts := make([]string, len(opts))
	for i, o := range opts {
		each := make([]string, len(o.Changes))
		for k, c := range o.Changes {
			each[k] = describe(o, c, len(o.Changes) > 1)
		}
		alts[i] = strings.Join(each, " and ")
	}
	return s + ": " + strings.Join(alts, ", or ")
}

// describe says one change of an option in English (combined: one of
// several).
func describe(o Option, change string, combined bool) string {
	switch change {
	case ChangeLaterDate:
		if combined {
			return "race on " + o.Date.String()
		}
		return "the earliest safe date is " + o.Date.String()
	case ChangeShorterDistance:
		return "choose a " + o.Distance
	case ChangeSlowerTarget:
		return "aim for " + o.TargetTime.String()
	case ChangeMoreWeeks:
		return fmt.Sprintf("plan over %d weeks", o.Weeks)
	case ChangeLowerVolume:
		return fmt.Sprintf("aim for %d minutes a week", o.WeeklyMinutes)
	case ChangeMoreMinutes:
		return fmt.Sprintf("allow %d minutes a day", o.MaxMinutes)
	case ChangeMoreDays:
		return fmt.Sprintf("train on %d days a week (%s)", o.Days, strings.Join(weekdays(o.Weekdays), ", "))
	}
	return change
}
