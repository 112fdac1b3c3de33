package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

// LiveRoutes returns the operations of live tracking: a session's share
// link (/v1/sessions/{id}/share) and watching it (/v1/sessions/{id}/watch).
func LiveRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"sessions"}
		huma.Register(a, gw.DocumentRaw[api.ShareLink](a, gw.Idempotent(huma.Operation{
			OperationID: "share-session", Method: http.MethodPost, Path: "/v1/sessions/{id}/share", Tags: tags,
			Summary: "Create a live-tracking link",
			Description: "For one of your open sessions: anyone holding the token may watch it live (POST /v1/sessions/{id}/watch). " +
				"A new link replaces the previous one. 409 when the session is closed.",
			Security: gw.Authenticated,
		})), func(ctx context.Context, in *sessionIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionShare, api.SessionRef{ID: in.ID})
		})
		huma.Register(a, huma.Operation{
			OperationID: "unshare-session", Method: http.MethodDelete, Path: "/v1/sessions/{id}/share", Tags: tags,
			Summary:       "Revoke the live-tracking link",
			Description:   "Watchers who may no longer watch (the session is not public) lose the grant.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *sessionIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectSessionUnshare, api.SessionRef{ID: in.ID})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Watch](a, huma.Operation{
			OperationID: "watch-session", Method: http.MethodPost, Path: "/v1/sessions/{id}/watch", Tags: tags,
			Summary: "Watch a live session",
			Description: "Allowed for the owner, for anyone when the session is public, for the owner's followers and the " +
				"members of its groups when it is of visibility followers, and for anyone with its share token; never for " +
				"a user the owner blocked. " +
				"The reply names the NATS subject of the live figures: live.watch.<session> for a watcher, whose app " +
				"connections are closed once so they reconnect with the grant (the subject does not name the owner); " +
				"live.session.<your id>.<session> for the owner, which every connection of the owner may subscribe to " +
				"already. 404 for a session you may not see, 409 when it is closed.",
			MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
		}), http.StatusConflict), func(ctx context.Context, in *watchInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionWatch, watchRequest(in))
		})
	})
}

type watchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the session's id"`
	Body *struct {
		ShareToken string `json:"share_token,omitempty" maxLength:"64" doc:"the owner's share link, unless the session is public or yours"`
	}
}

func watchRequest(in *watchInput) api.WatchRequest {
	req := api.WatchRequest{ID: in.ID}
	if in.Body != nil {
		req.ShareToken = in.Body.ShareToken
	}
	return req
}
