package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

// LapRoutes returns GET /v1/sessions/{id}/laps: a session's laps.
func LapRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		huma.Register(a, gw.DocumentRaw[api.LapList](a, huma.Operation{
			OperationID: "session-laps", Method: http.MethodGet, Path: "/v1/sessions/{id}/laps", Tags: []string{"sessions"},
			Summary: "A session's laps",
			Description: "Laps start at the points the app marked (\"lap\": true in telemetry) or where an imported FIT or TCX " +
				"file's laps start; their figures are computed from the points when the session finishes, like the session's, " +
				"and add up to it. Empty while the session is open, and for a session without laps. All of them, not paginated " +
				"(at most 1,440).",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *sessionIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionLaps, api.SessionRef{ID: in.ID})
		})
	})
}
