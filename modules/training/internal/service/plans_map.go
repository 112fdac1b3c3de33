package service

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/plan"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// This file maps plans between the planner (plan), the store and the API.

func dateString(t time.Time) string { return t.Format(time.DateOnly) }

// dateOf is a stored date (midnight UTC) as a plan.Date.
func dateOf(t time.Time) plan.Date { return plan.DateOf(t, time.UTC) }

// dayTime is d as a stored date.
func dayTime(d plan.Date) time.Time { return d.In(time.UTC) }

func parseStoredDate(s string) plan.Date {
	d, err := plan.ParseDate(s)
	if err != nil {
		return plan.Date{}
	}
	return d
}

func planRow(p plan.Plan) store.Plan {
	r := p.Request
	sched := store.PlanSchedule{MaxMinutes: r.Schedule.MaxMinutes, Days: make([]int, len(r.Schedule.Days))}
	for i, d := range r.Schedule.Days {
		sched.Days[i] = int(d)
	}
	if r.Schedule.LongDay != nil {
		d := int(*r.Schedule.LongDay)
		sched.LongDay = &d
	}
	goal := store.PlanGoal{Kind: string(r.Goal.Kind), Distance: r.Goal.Distance, TargetTimeS: int(r.Goal.TargetTime.Seconds()),
		WeeklyMinutes: r.Goal.WeeklyMinutes, Weeks: r.Goal.Weeks}
	if !r.Goal.Date.IsZero() {
		goal.Date = r.Goal.Date.String()
	}
	a := p.Athlete
	ath := store.PlanAthlete{VDOT: a.VDOT, MaxHR: a.MaxHR, RestingHR: a.RestingHR, WeeklyMinutes: a.WeeklyMinutes, LongestMinutes: a.LongestMinutes}
	for _, z := range a.Zones {
		ath.Zones = append(ath.Zones, [2]int{z.Low, z.High})
	}
	if !a.LongestDate.IsZero() {
		ath.LongestDate = a.LongestDate.String()
	}
	row := store.Plan{
		Sport: r.Sport,
		Request: store.PlanRequest{Sport: r.Sport, Goal: goal, Schedule: sched,
			Health: store.PlanHealth{RestingHR: r.Health.RestingHR, Limitations: r.Health.Limitations, Feeling: string(r.Health.Feeling)}},
		Athlete: ath,
		Start:   dayTime(p.Created), From: dayTime(p.From), End: dayTime(p.End),
		Notes: explanationRows(p.Notes),
	}
	for _, w := range p.Weeks {
		row.Weeks = append(row.Weeks, store.PlanWeek{Year: w.Year, Number: w.Number, Monday: w.Monday.String(), Phase: string(w.Phase),
			Recovery: w.Recovery, Minutes: w.Minutes})
	}
	return row
}

func explanationRows(ex []plan.Explanation) []store.Explanation {
	out := make([]store.Explanation, len(ex))
	for i, e := range ex {
		out[i] = store.Explanation{Key: e.Key, Params: e.Params}
	}
	return out
}

func workoutRows(p plan.Plan) []store.PlanWorkout {
	var out []store.PlanWorkout
	for _, x := range p.Workouts() {
		t := store.WorkoutTargets{WorkMinutes: x.WorkMinutes, Reps: x.Reps, RepMinutes: x.RepMinutes, Intensity: string(x.Intensity),
			DistanceKm: x.DistanceKm}
		if x.Pace != nil {
			t.PaceFastS, t.PaceSlowS = x.Pace.Fast.Seconds(), x.Pace.Slow.Seconds()
		}
		if x.HR != nil {
			t.HRLow, t.HRHigh = x.HR.Low, x.HR.High
		}
		out = append(out, store.PlanWorkout{ID: x.ID, Day: dayTime(x.Date), Kind: string(x.Kind), Sport: x.Sport, Minutes: x.Minutes, Targets: t})
	}
	return out
}

// loadPlan reads a stored plan back as the planner's plan, with all its
// workouts.
func loadPlan(ctx context.Context, q storage.Querier, row store.Plan) (plan.Plan, error) {
	ws, err := store.PlanWorkouts(ctx, q, row.ID, time.Time{}, time.Time{})
	if err != nil {
		return plan.Plan{}, err
	}
	return planOf(row, ws), nil
}

func planOf(row store.Plan, ws []store.PlanWorkout) plan.Plan {
	r := row.Request
	req := plan.Request{Sport: r.Sport,
		Goal: plan.Goal{Kind: plan.GoalKind(r.Goal.Kind), Distance: r.Goal.Distance, Date: parseStoredDate(r.Goal.Date),
			TargetTime: time.Duration(r.Goal.TargetTimeS) * time.Second, WeeklyMinutes: r.Goal.WeeklyMinutes, Weeks: r.Goal.Weeks},
		Health:   plan.Health{RestingHR: r.Health.RestingHR, Limitations: r.Health.Limitations, Feeling: plan.Feeling(r.Health.Feeling)},
		Schedule: plan.Schedule{MaxMinutes: r.Schedule.MaxMinutes},
	}
	for _, d := range r.Schedule.Days {
		req.Schedule.Days = append(req.Schedule.Days, time.Weekday(d))
	}
	if r.Schedule.LongDay != nil {
		d := time.Weekday(*r.Schedule.LongDay)
		req.Schedule.LongDay = &d
	}
	a := row.Athlete
	ath := plan.Athlete{VDOT: a.VDOT, MaxHR: a.MaxHR, RestingHR: a.RestingHR, WeeklyMinutes: a.WeeklyMinutes,
		LongestMinutes: a.LongestMinutes, LongestDate: parseStoredDate(a.LongestDate)}
	for _, z := range a.Zones {
		ath.Zones = append(ath.Zones, plan.HRRange{Low: z[0], High: z[1]})
	}
	p := plan.Plan{Request: req, Athlete: ath, Location: zoneNamed(row.TimeZone), Created: dateOf(row.Start), From: dateOf(row.From),
		End: dateOf(row.End)}
	for _, e := range row.Notes {
		p.Notes = append(p.Notes, plan.Explanation{Key: e.Key, Params: e.Params})
	}
	byMonday := map[plan.Date]int{}
	for _, w := range row.Weeks {
		m := parseStoredDate(w.Monday)
		byMonday[m] = len(p.Weeks)
		p.Weeks = append(p.Weeks, plan.Week{Year: w.Year, Number: w.Number, Monday: m, Phase: plan.Phase(w.Phase), Recovery: w.Recovery, Minutes: w.Minutes})
	}
	for _, x := range ws {
		w := workoutOf(x)
		if i, ok := byMonday[w.Date.Monday()]; ok {
			p.Weeks[i].Workouts = append(p.Weeks[i].Workouts, w)
		}
	}
	return p
}

func workoutOf(x store.PlanWorkout) plan.Workout {
	t := x.Targets
	w := plan.Workout{ID: x.ID, Date: dateOf(x.Day), Kind: plan.Kind(x.Kind), Sport: x.Sport, Minutes: x.Minutes,
		WorkMinutes: t.WorkMinutes, Reps: t.Reps, RepMinutes: t.RepMinutes, Intensity: plan.Intensity(t.Intensity), DistanceKm: t.DistanceKm}
	if t.PaceFastS > 0 {
		w.Pace = &plan.PaceRange{Fast: time.Duration(t.PaceFastS * float64(time.Second)), Slow: time.Duration(t.PaceSlowS * float64(time.Second))}
	}
	if t.HRHigh > 0 {
		w.HR = &plan.HRRange{Low: t.HRLow, High: t.HRHigh}
	}
	return w
}

// planOut is the API's view of a stored plan: the weeks overlapping
// [from, to], adherence and matches from plan.Match over the user's
// finished sessions, and the changes.
func (s *Service) planOut(ctx context.Context, q storage.Querier, row store.Plan, from, to plan.Date) (api.Plan, error) {
	p, err := loadPlan(ctx, q, row)
	if err != nil {
		return api.Plan{}, err
	}
	now := time.Now()
	sessions, err := planSessions(ctx, q, row.User, p, plan.DateOf(now, p.Location), now)
	if err != nil {
		return api.Plan{}, err
	}
	m := plan.Match(p, sessions)
	matched := map[string]string{}
	for _, pr := range m.Pairs {
		matched[pr.WorkoutID] = pr.SessionID
	}
	changes, err := store.PlanChanges(ctx, q, row.ID)
	if err != nil {
		return api.Plan{}, err
	}
	r := row.Request
	out := api.Plan{ID: row.ID.String(), State: planState(row), Sport: row.Sport, Goal: goalOut(r.Goal),
		Health:   api.PlanHealth{RestingHRBpm: r.Health.RestingHR, Limitations: r.Health.Limitations, Feeling: r.Health.Feeling},
		Schedule: scheduleOut(r.Schedule), TimeZone: p.Location.String(),
		Athlete: api.PlanAthlete{WeeklyMinutes: math.Round(row.Athlete.WeeklyMinutes*10) / 10,
			LongestMinutes: math.Round(row.Athlete.LongestMinutes*10) / 10},
		Start: dateString(row.Start), End: dateString(row.End),
		Notes: explanationsOut(row.Notes), Changes: make([]api.PlanChange, len(changes)), Weeks: []api.PlanWeek{},
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
	if out.Health.Feeling == "" {
		out.Health.Feeling = string(plan.FeelingGood)
	}
	if v := row.Athlete.VDOT; v > 0 {
		out.Athlete.VDOT = &v
	}
	if v := row.Athlete.MaxHR; v > 0 {
		out.Athlete.MaxHRBpm = &v
	}
	if v := row.Athlete.RestingHR; v > 0 {
		out.Athlete.RestingHRBpm = &v
	}
	for i, c := range changes {
		out.Changes[i] = api.PlanChange{At: c.At, Explanations: explanationsOut(c.Explanations)}
	}
	for i, w := range p.Weeks {
		sunday := w.Monday.AddDays(6)
		if (!from.IsZero() && sunday.Before(from)) || (!to.IsZero() && w.Monday.After(to)) {
			continue
		}
		a := m.Weeks[i]
		wk := api.PlanWeek{Year: w.Year, Week: w.Number, Monday: w.Monday.String(), Phase: string(w.Phase), Recovery: w.Recovery,
			Minutes: w.Minutes, Workouts: make([]api.PlanWorkout, len(w.Workouts)),
			Adherence: api.PlanAdherence{Planned: a.Planned, Done: a.Done, PlannedMinutes: a.PlannedMinutes, DoneMinutes: a.DoneMinutes,
				ExtraMinutes: a.ExtraMinutes, Rate: math.Round(a.Rate*1000) / 1000}}
		for j, x := range w.Workouts {
			wk.Workouts[j] = workoutOut(x, matched[x.ID])
		}
		out.Weeks = append(out.Weeks, wk)
	}
	return out, nil
}

func workoutOut(x plan.Workout, session string) api.PlanWorkout {
	w := api.PlanWorkout{ID: x.ID, Date: x.Date.String(), Kind: string(x.Kind), Sport: x.Sport, Minutes: x.Minutes,
		WorkMinutes: x.WorkMinutes, Reps: x.Reps, RepMinutes: x.RepMinutes, Intensity: string(x.Intensity),
		DistanceKm: math.Round(x.DistanceKm*10) / 10}
	if x.Pace != nil {
		w.Pace = &api.PlanPace{FastSPerKm: int(x.Pace.Fast.Seconds()), SlowSPerKm: int(x.Pace.Slow.Seconds())}
	}
	if x.HR != nil {
		w.HR = &api.PlanHR{LowBpm: x.HR.Low, HighBpm: x.HR.High}
	}
	if session != "" {
		w.SessionID = &session
	}
	return w
}

func explanationsOut(ex []store.Explanation) []api.PlanExplanation {
	out := make([]api.PlanExplanation, len(ex))
	for i, e := range ex {
		out[i] = api.PlanExplanation{Key: e.Key, Params: e.Params}
		if out[i].Params == nil {
			out[i].Params = map[string]any{}
		}
	}
	return out
}

func goalOut(g store.PlanGoal) api.PlanGoal {
	return api.PlanGoal{Kind: g.Kind, Distance: g.Distance, Date: g.Date, TargetTimeS: g.TargetTimeS, WeeklyMinutes: g.WeeklyMinutes, Weeks: g.Weeks}
}

func scheduleOut(s store.PlanSchedule) api.PlanSchedule {
	out := api.PlanSchedule{MaxMinutes: s.MaxMinutes, Days: make([]string, len(s.Days))}
	for i, d := range s.Days {
		out.Days[i] = strings.ToLower(time.Weekday(d).String())
	}
	if s.LongDay != nil {
		out.LongDay = strings.ToLower(time.Weekday(*s.LongDay).String())
	}
	return out
}

// Weekday reads a day of the week written in lower case ("monday").
func Weekday(s string) (time.Weekday, error) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.ToLower(d.String()) == s {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not a day of the week", s)
}

// optionOut is an option of an infeasible goal as the API gives it.
func optionOut(o plan.Option) api.PlanOption {
	out := api.PlanOption{Key: o.Key, Changes: slices.Clone(o.Changes), Distance: o.Distance, TargetTimeS: int(o.TargetTime.Seconds()),
		Weeks: o.Weeks, WeeklyMinutes: o.WeeklyMinutes, MaxMinutes: o.MaxMinutes, Days: o.Days}
	if !o.Date.IsZero() {
		out.Date = o.Date.String()
	}
	for _, d := range o.Weekdays {
		out.Weekdays = append(out.Weekdays, strings.ToLower(d.String()))
	}
	return out
}
