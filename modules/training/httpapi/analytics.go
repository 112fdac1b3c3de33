package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

type summaryInput struct {
	Period string `query:"period" required:"true" enum:"week,month,year,all" doc:"the current ISO week (Monday first), month or year in the user's time zone, or all time"`
	Sport  string `query:"sport" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"only this sport"`
}

type fitnessInput struct {
	From  string `query:"from" maxLength:"10" doc:"first day, YYYY-MM-DD in the user's time zone (default: 89 days before to)"`
	To    string `query:"to" maxLength:"10" doc:"last day, YYYY-MM-DD (default: today); at most 1,099 days after from and a year after today"`
	Model string `query:"model" enum:"exponential,reciprocal,ema" doc:"the smoothing of CTL and ATL: exponential 1−e^(−1/N) (default; GoldenCheetah, intervals.icu), reciprocal 1/N (TrainingPeaks), ema 2/(N+1) (Runalyze)"`
}

type recommendationIDInput struct {
	ID string `path:"id" maxLength:"200" doc:"the recommendation's id"`
}

// AnalyticsRoutes returns the signed-in user's analytics
// (/v1/analytics/summary, /fitness, /records) and recommendations
// (/v1/recommendations, /v1/recommendations/{id}/dismiss).
func AnalyticsRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"analytics"}
		huma.Register(a, gw.DocumentRaw[api.AnalyticsSummary](a, huma.Operation{
			OperationID: "analytics-summary", Method: http.MethodGet, Path: "/v1/analytics/summary", Tags: tags,
			Summary: "Totals and averages of a period, by sport, beside the previous period",
			Description: "Sessions, distance, moving time, elevation gain, load and strength volume of the current week, month or year " +
				"in the user's time zone (the profile's; UTC when unknown), and of the period before. Loads of different models " +
				"(load_models) are on different scales.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *summaryInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectAnalyticsSummary, api.SummaryRequest{Period: in.Period, Sport: in.Sport})
		})
		huma.Register(a, gw.DocumentRaw[api.FitnessSeries](a, huma.Operation{
			OperationID: "analytics-fitness", Method: http.MethodGet, Path: "/v1/analytics/fitness", Tags: tags,
			Summary: "Daily fitness, fatigue, form, ramp rate, monotony, strain and acute:chronic ratio",
			Description: "One entry per day of the user's time zone from from to to (at most 1,099 days); the figures " +
				"account for the whole history before from. The answer names the smoothing model. The acute:chronic ratio is a " +
				"measure of load change, not of injury risk.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *fitnessInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectAnalyticsFitness, api.FitnessRequest{From: in.From, To: in.To, Model: in.Model})
		})
		huma.Register(a, gw.DocumentRaw[api.Records](a, huma.Operation{
			OperationID: "analytics-records", Method: http.MethodGet, Path: "/v1/analytics/records", Tags: tags,
			Summary: "Personal records, VDOT, race predictions and zones",
			Description: "The fastest effort of each standard distance (400 m to marathon) with its session and date, strength bests, " +
				"the VDOT of the best effort of the last 180 days with the race times it predicts (Daniels–Gilbert, and Riegel " +
				"with exponent 1.06), heart-rate zones from the profile and Daniels' pace zones.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectAnalyticsRecords, api.Empty{})
		})
		tags = []string{"recommendations"}
		huma.Register(a, gw.DocumentRaw[api.RecommendationList](a, huma.Operation{
			OperationID: "list-recommendations", Method: http.MethodGet, Path: "/v1/recommendations", Tags: tags,
			Summary: "Training advice from the history and the profile",
			Description: "The most pressing first, without those dismissed. Each has a type, a severity, a message key with its " +
				"parameters (the app translates), the numbers that triggered it and an expiry.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectRecommendationsList, api.Empty{})
		})
		huma.Register(a, gw.DocumentRaw[api.Dismissal](a, huma.Operation{
			OperationID: "dismiss-recommendation", Method: http.MethodPost, Path: "/v1/recommendations/{id}/dismiss", Tags: tags,
			Summary:     "Dismiss a recommendation",
			Description: "It is not listed again until it expires. An id that is not among the current recommendations is 404.",
			Security:    gw.Authenticated,
		}), func(ctx context.Context, in *recommendationIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectRecommendationDismiss, api.RecommendationRef{ID: in.ID})
		})
	})
}
