package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client/api"
)

type realtimeInput struct {
	Host          string `header:"Host" hidden:"true"`
	Authorization string `header:"Authorization" hidden:"true"`
}

// RealtimeRoutes returns GET /v1/realtime: where the app connects to NATS
// over WebSocket and which subjects its access token opens there. node
// gives the WebSocket URLs of the front's own node and of the others of
// its cluster, for a request's Host (nil: the client module decides).
func RealtimeRoutes(nc *nats.Conn, node func(host string) []string) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		huma.Register(a, gw.DocumentRaw[api.RealtimeInfo](a, huma.Operation{
			OperationID: "get-realtime", Method: http.MethodGet, Path: "/v1/realtime", Tags: []string{"realtime"},
			Summary: "Connect to the real-time bus",
			Description: "The NATS WebSocket URL of the node called, every node's URLs for reconnects, and what the caller may do " +
				"there. Connect with a token callback that returns your current access token at every connect and reconnect " +
				"(nats.TokenHandler in Go, tokenAuthenticator in nats.js), refresh the access token with POST /v1/auth/refresh " +
				"before it expires (the server closes a connection when the token it was made with expires, and the client " +
				"reconnects with the fresh one), and use inbox_prefix as the inbox prefix (without it a JetStream publish is " +
				"neither answered nor stored). Publish telemetry to live.telemetry.<your id>.<session id> through JetStream with " +
				"a Nats-Msg-Id on every message; subscribe to live.session.<your id>.> for the live figures of your own " +
				"sessions (those you start after connecting too), to refused.<your id> and notify.<your id>, and to the " +
				"chat.<group> and live.watch.<session> subjects listed. The subjects listed are granted when the connection " +
				"is made; when they change (e.g. you left a group, or POST /v1/sessions/{id}/watch) the connection is closed " +
				"once: the client reconnects with the new ones. Payloads: /asyncapi.json.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *realtimeInput) (*gw.RawJSON, error) {
			req := api.RealtimeRequest{Host: in.Host, ExpiresAt: tokenExpiry(in.Authorization)}
			if node != nil {
				req.WebSocketURLs = node(in.Host)
			}
			return gw.Forward(ctx, nc, api.SubjectRealtimeGet, req)
		})
	})
}

// tokenExpiry reads the expiry of the bearer token the front has already
// verified (so the signature is not checked again here).
func tokenExpiry(header string) time.Time {
	_, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		return time.Time{}
	}
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(token), &claims); err != nil || claims.ExpiresAt == nil {
		return time.Time{}
	}
	return claims.ExpiresAt.UTC()
}
