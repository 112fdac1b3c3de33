package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

type pushTokenInput struct {
	Body api.PushTokenCreate
}

type pushTokenIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the push token's id"`
}

// PushRoutes returns the operations on the caller's push device tokens
// (/v1/me/push-tokens).
func PushRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"notifications"}
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.PushToken](a, huma.Operation{
			OperationID: "add-push-token", Method: http.MethodPost, Path: "/v1/me/push-tokens", Tags: tags,
			Summary: "Register a phone for push notifications",
			Description: "An APNs device token (hex) or an FCM registration token. Registering a token again keeps its id; " +
				"a token registered by another account moves to yours (it names a device, and the device is yours now). At " +
				"most 10 per user (409). Pushes respect your settings' quiet hours.",
			DefaultStatus: http.StatusCreated, MaxBodyBytes: 8 << 10, Security: gw.Authenticated,
		}), http.StatusConflict), func(ctx context.Context, in *pushTokenInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectPushTokenAdd, in.Body)
		})
		huma.Register(a, gw.DocumentRaw[api.PushTokenList](a, huma.Operation{
			OperationID: "list-push-tokens", Method: http.MethodGet, Path: "/v1/me/push-tokens", Tags: tags,
			Summary:     "Your phones registered for push",
			Description: "Newest first, each token shown by its last 8 characters.",
			Security:    gw.Authenticated,
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectPushTokensList, struct{}{})
		})
		huma.Register(a, huma.Operation{
			OperationID: "delete-push-token", Method: http.MethodDelete, Path: "/v1/me/push-tokens/{id}", Tags: tags,
			Summary:       "Stop pushing to a phone",
			Description:   "404 when it is not one of yours.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *pushTokenIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectPushTokenDelete, api.PushTokenRef{ID: in.ID})
		})
	})
}
