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
)

// historyWindow is how much history the rules look at (recommend.Input
// wants at least the last 60 days).
const historyWindow = 60 * 24 * time.Hour

// Recommendations returns user's current advice (package recommend, with
// its published thresholds) over the history and profile, the most
// pressing first, without what the user dismissed. The plan rules
// (adherence, next planned workout) get no plan yet: the next workout
// comes from the history.
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
	in := recommend.Input{Now: now}
	briefs, err := store.Briefs(ctx, s.pool, user, now.Add(-historyWindow), time.Time{}, "")
	if err != nil {
		return nil, err
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
	gear, err := store.GearWear(ctx, s.pool, user)
	if err != nil {
		return nil, err
	}
	for _, g := range gear {
		in.Gear = append(in.Gear, recommend.Gear{ID: g.ID.String(), Name: g.Name, DistanceM: g.DistanceM, LimitM: g.ReplacementThresholdM})
	}
	return recommend.Recommend(in, t), nil
}
