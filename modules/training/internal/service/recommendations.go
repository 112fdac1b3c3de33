package service

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/fitness"
	"github.com/athlos/athlos/modules/training/internal/performance"
	"github.com/athlos/athlos/modules/training/internal/recommend"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/strength"
)

// historyWindow is how much history the rules look at (recommend.Input
// wants at least the last 60 days).
const historyWindow = 60 * 24 * time.Hour

// Recommendations returns user's current advice (package recommend, with
// its published thresholds) over the history and profile, the most
// pressing first, without what the user dismissed. The plan rules take
// the active plan (adherence of its finished weeks, its next workout);
// without one, the next workout comes from the history.
func (s *Service) Recommendations(ctx context.Context, user uuid.UUID, now time.Time) (api.RecommendationList, error) {
	recs, err := s.recommend(ctx, user, now)
	if err != nil {
		return api.RecommendationList{}, err
	}
	dismissed, err := store.Dismissed(ctx, s.pool, user, now)
	if err != nil {
		return api.RecommendationList{}, err
	}
	out := api.RecommendationList{Items: []api.Recommendation{}}
	for _, r := range recs {
		if dismissed[r.ID] {
			continue
		}
		out.Items = append(out.Items, api.Recommendation{ID: r.ID, Type: r.Type, Severity: r.Severity, MessageKey: r.Key,
			Params: r.Params, Trigger: r.Trigger, ExpiresAt: r.Expires.UTC()})
	}
	return out, nil
}

// DismissRecommendation dismisses one of user's current recommendations
// until it expires. Errors: not_found (no such current recommendation).
func (s *Service) DismissRecommendation(ctx context.Context, user uuid.UUID, id string, now time.Time) (api.Dismissal, error) {
	recs, err := s.recommend(ctx, user, now)
	if err != nil {
		return api.Dismissal{}, err
	}
	for _, r := range recs {
		if r.ID != id {
			continue
		}
		if err := store.Dismiss(ctx, s.pool, user, id, now, r.Expires); err != nil {
			return api.Dismissal{}, err
		}
		return api.Dismissal{ID: id, DismissedAt: now.UTC(), ExpiresAt: r.Expires.UTC()}, nil
	}
	return api.Dismissal{}, bus.Errorf(bus.CodeNotFound, "no such recommendation")
}

// recommend runs the rules over user's history.
func (s *Service) recommend(ctx context.Context, user uuid.UUID, now time.Time) ([]recommend.Recommendation, error) {
	athlete, err := store.GetAthleteFacts(ctx, s.pool, user)
	if err != nil {
		return nil, err
	}
	loc := zoneOf(athlete)
	in := recommend.Input{Now: now, Location: loc}
	briefs, err := store.Briefs(ctx, s.pool, user, now.Add(-historyWindow), time.Time{}, "")
	if err != nil {
		return nil, err
	}
	// The session before the window: a user back after months (or still
	// away) has a break longer than the window to be told of.
	before, ok, err := store.LastBriefBefore(ctx, s.pool, user, now.Add(-historyWindow))
	if err != nil {
		return nil, err
	}
	if ok {
		briefs = append([]store.SessionBrief{before}, briefs...)
	}
	for _, b := range briefs {
		in.Sessions = append(in.Sessions, recommend.Session{ID: b.ID.String(), Start: b.StartedAt, Sport: b.Sport,
			MovingS: b.MovingTimeS, DistanceM: b.DistanceM, Load: b.Load})
	}
	today := fitness.DateOf(now, loc)
	days, err := s.fitnessDays(ctx, s.pool, user, loc, today, today, fitness.DefaultModel)
	if err != nil {
		return nil, err
	}
	if len(days) == 1 && (days[0].CTL > 0 || days[0].ATL > 0) {
		in.Fitness = recommend.FitnessOf(days[0])
	}
	t := recommend.DefaultThresholds()
	records, err := store.Records(ctx, s.pool, user, uuid.Nil, performance.StandardDistances())
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		if now.Sub(r.StartedAt) >= time.Duration(t.RecordDays)*24*time.Hour {
			continue
		}
		prev, ok, err := store.BestBefore(ctx, s.pool, user, r.DistanceM, r.StartedAt)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // the first over the distance: nothing beaten
		}
		in.Records = append(in.Records, recommend.Record{Kind: "best_effort", Name: strconv.FormatFloat(r.DistanceM, 'f', -1, 64),
			Value: r.TimeS, Previous: prev.TimeS, SessionID: r.SessionID.String(), At: r.StartedAt})
	}
	// Strength records are looked for only when a strength session is
	// recent enough to have set one (they read every strength best).
	for _, b := range briefs {
		if b.StrengthVolumeKg > 0 && now.Sub(b.StartedAt) < time.Duration(t.RecordDays)*24*time.Hour {
			if in.Records, err = s.recentStrengthRecords(ctx, user, now, t.RecordDays, in.Records); err != nil {
				return nil, err
			}
			break
		}
	}
	gear, err := store.GearWear(ctx, s.pool, user)
	if err != nil {
		return nil, err
	}
	for _, g := range gear {
		in.Gear = append(in.Gear, recommend.Gear{ID: g.ID.String(), Name: g.Name, DistanceM: g.DistanceM, LimitM: g.ReplacementThresholdM})
	}
	if in.Weeks, in.Next, err = s.planInput(ctx, user, loc, now); err != nil {
		return nil, err
	}
	return recommend.Recommend(in, t), nil
}

// planWindow is how far back the plan's weeks are read for adherence.
const planWindow = 8 * 7

// planInput is the active plan's finished weeks (workouts planned and
// done, rest days left out) and its next workout not done yet, today or
// later; nothing without an active plan.
func (s *Service) planInput(ctx context.Context, user uuid.UUID, loc *time.Location, now time.Time) ([]recommend.PlanWeek, *recommend.PlannedWorkout, error) {
	id, ok, err := store.ActivePlanID(ctx, s.pool, user)
	if err != nil || !ok {
		return nil, nil, err
	}
	today := fitness.DateOf(now, loc)
	workouts, err := store.PlanWorkouts(ctx, s.pool, id, today.AddDays(-planWindow).Start(time.UTC), time.Time{})
	if err != nil {
		return nil, nil, err
	}
	weeks := map[fitness.Date]*recommend.PlanWeek{}
	var order []fitness.Date
	var next *recommend.PlannedWorkout
	for _, w := range workouts {
		if w.Kind == "rest" {
			continue
		}
		day := fitness.DateOf(w.Day, time.UTC) // a plan's days are dates
		if !day.Before(today) {
			if next == nil && w.SessionID == nil {
				next = &recommend.PlannedWorkout{ID: w.ID, Date: day.Start(loc), Kind: w.Kind, Sport: w.Sport,
					DurationS: float64(w.Minutes) * 60, DistanceM: w.Targets.DistanceKm * 1000}
			}
			continue
		}
		monday := day.AddDays(-((int(day.Weekday()) + 6) % 7))
		wk, ok := weeks[monday]
		if !ok {
			wk = &recommend.PlanWeek{Start: monday.Start(loc)}
			weeks[monday] = wk
			order = append(order, monday)
		}
		wk.Planned++
		if w.SessionID != nil {
			wk.Done++
		}
	}
	out := make([]recommend.PlanWeek, 0, len(order))
	for _, m := range order {
		out = append(out, *weeks[m]) // the rule keeps only weeks that have ended
	}
	return out, next, nil
}

// recentStrengthRecords appends to out the strength records (estimated
// 1RM, heaviest weight) set in the last recordDays, with the best they
// beat; a first best of an exercise beats nothing and is left out.
func (s *Service) recentStrengthRecords(ctx context.Context, user uuid.UUID, now time.Time, recordDays int, out []recommend.Record) ([]recommend.Record, error) {
	records, err := store.StrengthRecords(ctx, s.pool, user, strength.RecordOneRM, strength.RecordMaxWeight)
	if err != nil {
		return nil, err
	}
	before := map[uuid.UUID][]store.StrengthMax{} // the maxima of the other sessions, by record session
	for _, r := range records {
		if now.Sub(r.StartedAt) >= time.Duration(recordDays)*24*time.Hour || r.StartedAt.After(now) {
			continue
		}
		maxima, ok := before[r.SessionID]
		if !ok {
			if maxima, err = store.StrengthMaxima(ctx, s.pool, user, r.SessionID); err != nil {
				return nil, err
			}
			before[r.SessionID] = maxima
		}
		for _, m := range maxima {
			prev := m.MaxWeightKg
			if r.Kind == strength.RecordOneRM {
				prev = m.OneRMKg
			}
			if m.Exercise == r.Exercise && prev > 0 {
				out = append(out, recommend.Record{Kind: r.Kind, Name: r.Exercise, Value: r.ValueKg, Previous: prev,
					SessionID: r.SessionID.String(), At: r.StartedAt})
			}
		}
	}
	return out, nil
}
