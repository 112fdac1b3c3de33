package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

// LivePageRoutes returns POST /v1/live/{token}: what the live-tracking
// page (/live/<token>, served by the gateway) shows of a shared session,
// with a short-lived watch credential for NATS; no account needed. node
// gives the NATS WebSocket URLs of the front's node for a request's Host
// (nil: none known).
func LivePageRoutes(nc *nats.Conn, node func(host string) []string) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.LiveView](a, huma.Operation{
			OperationID: "get-live-view", Method: http.MethodPost, Path: "/v1/live/{token}", Tags: []string{"sessions"},
			Summary: "Follow a shared live session",
			Description: "For anyone holding a share link (POST /v1/sessions/{id}/share), no account needed: the athlete's display " +
				"name, the sport, the latest live figures and the track so far (the parts the athlete's privacy zones leave " +
				"visible), and a watch credential: connect to websocket_url with nats_token as the NATS token and subscribe to " +
				"subject (live.watch.<session>); the connection may do nothing else. The credential and a connection made " +
				"with it end at expires_at (10 minutes): call again before. Connections are closed when the link is " +
				"revoked or replaced or the session ends. 404 for an unknown or revoked link, 410 when the session ended, " +
				"429 past 30 requests at once (then one a second) from one address.",
		}), http.StatusNotFound, http.StatusGone, http.StatusTooManyRequests), func(ctx context.Context, in *livePageInput) (*gw.RawJSON, error) {
			req := api.LiveCredentialRequest{ShareToken: in.Token, ClientIP: gw.ClientIP(ctx)}
			if node != nil {
				req.WebSocketURLs = node(in.Host)
			}
			return gw.Forward(ctx, nc, api.SubjectLiveCredential, req)
		})
	})
}

type livePageInput struct {
	Host  string `header:"Host" hidden:"true"`
	Token string `path:"token" minLength:"32" maxLength:"32" pattern:"^[A-Za-z0-9_-]+$" doc:"the share token of the link"`
}
