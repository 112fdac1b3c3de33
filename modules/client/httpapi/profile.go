package httpapi

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client/api"
)

type deleteInput struct {
	Body api.DeleteAccountRequest
}

type patchInput struct {
	// RawBody is forwarded as it is: the module applies it as a JSON merge
	// patch (present fields change, null clears).
	RawBody []byte
}

// ProfileRoutes returns GET/PATCH/DELETE /v1/me.
func ProfileRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"profile"}
		huma.Register(a, gw.DocumentRaw[api.Profile](a, huma.Operation{
			OperationID: "get-me", Method: http.MethodGet, Path: "/v1/me", Tags: tags,
			Summary: "The signed-in user's profile", Security: gw.Authenticated,
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectProfileGet, struct{}{})
		})

		op := gw.DocumentRaw[api.Profile](a, huma.Operation{
			OperationID: "patch-me", Method: http.MethodPatch, Path: "/v1/me", Tags: tags,
			Summary: "Change the profile",
			Description: "A JSON merge patch: fields present are changed, null clears an optional field (birth_date, country, " +
				"sex, weight_kg, height_cm, resting_hr_bpm, max_hr_bpm, threshold_hr_bpm, privacy.sport_visibility), absent fields stay. " +
				"Nothing is written unless every field is valid. email is not changed at once: a link mailed to the new " +
				"address confirms it (pending_email until then; 409 when another account has it).",
			Security: gw.Authenticated,
		})
		op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json":             {Schema: a.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[api.ProfilePatch](), true, "ProfilePatch")},
			"application/merge-patch+json": {Schema: a.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[api.ProfilePatch](), true, "ProfilePatch")},
		}}
		huma.Register(a, op, func(ctx context.Context, in *patchInput) (*gw.RawJSON, error) {
			reply, err := bus.Request(ctx, nc, api.SubjectProfilePatch, in.RawBody, nil)
			if err != nil {
				return nil, gw.Problem(err)
			}
			return gw.JSON(reply), nil
		})
		// huma lists application/octet-stream for a raw body; the front
		// takes JSON only (415 otherwise).
		delete(a.OpenAPI().Paths["/v1/me"].Patch.RequestBody.Content, "application/octet-stream")

		huma.Register(a, gw.DocumentErrors(a, huma.Operation{
			OperationID: "delete-me", Method: http.MethodDelete, Path: "/v1/me", Tags: tags,
			Summary: "Delete the account",
			Description: "Needs the account's password in the body ({\"password\": ...}): a wrong one is 403 naming " +
				"body.password, and counts as a failed login of the account from this address (the same locks: 429 " +
				"with Retry-After). Erases the account at once: every session ends, access tokens stop working, and " +
				"every module erases the user's data (evt.client.user.deleted).",
			DefaultStatus: http.StatusNoContent,
			Security:      gw.Authenticated,
		}, http.StatusForbidden, http.StatusTooManyRequests), func(ctx context.Context, in *deleteInput) (*gw.NoContent, error) {
			in.Body.ClientIP = gw.ClientIP(ctx) // never what the client says
			return gw.ForwardNoContent(ctx, nc, api.SubjectProfileDelete, in.Body)
		})
	})
}
