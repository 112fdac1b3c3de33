package rpc

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerAnalytics serves rpc.training.analytics.* and
// rpc.training.recommendations.*: the caller's analytics and advice.
func registerAnalytics(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectAnalyticsSummary: asCaller(func(ctx context.Context, user uuid.UUID, in api.SummaryRequest) (api.AnalyticsSummary, error) {
			return s.Summary(ctx, user, in.Period, in.Sport, time.Now())
		}),
		// Up to 1,099 days of twelve figures: encoded by the series itself.
		api.SubjectAnalyticsFitness: asCallerEncoded(func(ctx context.Context, user uuid.UUID, in api.FitnessRequest) ([]byte, error) {
			f, err := s.Fitness(ctx, user, in.From, in.To, in.Model, time.Now())
			if err != nil {
				return nil, err
			}
			return f.AppendJSON(nil), nil
		}),
		api.SubjectAnalyticsRecords: asCaller(func(ctx context.Context, user uuid.UUID, _ api.Empty) (api.Records, error) {
			return s.Records(ctx, user, time.Now())
		}),
		api.SubjectRecommendationsList: asCaller(func(ctx context.Context, user uuid.UUID, _ api.Empty) (api.RecommendationList, error) {
			return s.Recommendations(ctx, user, time.Now())
		}),
		api.SubjectRecommendationDismiss: asCaller(func(ctx context.Context, user uuid.UUID, in api.RecommendationRef) (api.Dismissal, error) {
			return s.DismissRecommendation(ctx, user, in.ID, time.Now())
		}),
	})
}
