// Package httpapi is the client module's HTTP operations, registered on the
// front: it validates the input's shape, attaches the caller and forwards
// to rpc.client.*, passing the module's reply through. Channels describes
// the real-time channels the module grants every user (refused.<user>)
// for the front's /asyncapi.json.
package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client/api"
)

type registerInput struct {
	Body api.RegisterRequest
}

type loginInput struct {
	Body api.LoginRequest
}

type refreshInput struct {
	Body api.RefreshRequest
}

type passwordInput struct {
	Body api.ChangePasswordRequest
}

// Routes returns the client module's operations.
func Routes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"auth"}
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.TokenResponse](a, huma.Operation{
			OperationID: "register", Method: http.MethodPost, Path: "/v1/auth/register", Tags: tags,
			Summary:       "Create an account",
			Description:   "Creates an account and signs it in. 409 when the email is taken; 400 names a weak password, a bad email or language.",
			DefaultStatus: http.StatusCreated,
		}), http.StatusConflict, http.StatusTooManyRequests), func(ctx context.Context, in *registerInput) (*gw.RawJSON, error) {
			in.Body.ClientIP = gw.ClientIP(ctx) // never what the client says
			return gw.Forward(ctx, nc, api.SubjectRegister, in.Body)
		})

		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.TokenResponse](a, huma.Operation{
			OperationID: "login", Method: http.MethodPost, Path: "/v1/auth/login", Tags: tags,
			Summary: "Sign in",
			Description: "One answer (401) for an unknown email and a wrong password. Repeated failures earn a short lock: " +
				"429 with Retry-After. With two-factor sign-in on, a right password answers 401 with code " +
				"`second_factor_required` and the login challenge in `details` (SecondFactorChallenge): complete it with " +
				"POST /v1/auth/login/2fa.",
		}), http.StatusUnauthorized, http.StatusTooManyRequests), func(ctx context.Context, in *loginInput) (*gw.RawJSON, error) {
			in.Body.ClientIP = gw.ClientIP(ctx) // never what the client says
			return gw.Forward(ctx, nc, api.SubjectLogin, in.Body)
		})

		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.TokenResponse](a, huma.Operation{
			OperationID: "refresh", Method: http.MethodPost, Path: "/v1/auth/refresh", Tags: tags,
			Summary: "Exchange a refresh token",
			Description: "Returns a new access token and a new refresh token; the old refresh token is spent. Presenting a " +
				"spent token again signs that session out everywhere (it was probably stolen).",
		}), http.StatusUnauthorized), func(ctx context.Context, in *refreshInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectRefresh, in.Body)
		})

		huma.Register(a, huma.Operation{
			OperationID: "logout", Method: http.MethodPost, Path: "/v1/auth/logout", Tags: tags,
			Summary:       "Sign out",
			Description:   "Revokes the session of the refresh token. Unknown tokens are ignored.",
			DefaultStatus: http.StatusNoContent,
		}, func(ctx context.Context, in *refreshInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectLogout, in.Body)
		})

		huma.Register(a, huma.Operation{
			OperationID: "change-password", Method: http.MethodPut, Path: "/v1/auth/password", Tags: tags,
			Summary:       "Change the password",
			Description:   "Needs the current password. Signs out every other session.",
			DefaultStatus: http.StatusNoContent,
			Security:      gw.Authenticated,
		}, func(ctx context.Context, in *passwordInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectChangePassword, in.Body)
		})

		huma.Register(a, gw.DocumentRaw[api.JWKS](a, huma.Operation{
			OperationID: "jwks", Method: http.MethodGet, Path: "/.well-known/jwks.json", Tags: tags,
			Summary:     "Public keys of access tokens",
			Description: "The JSON Web Key Set that verifies access tokens (EdDSA).",
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectKeysGet, struct{}{})
		})

		twoFactorRoutes(a, nc)
	})
}
