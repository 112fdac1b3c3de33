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

type resetInput struct {
	Body api.PasswordResetRequest
}

type resetConfirmInput struct {
	Body api.PasswordResetConfirmRequest
}

type verifyInput struct {
	Body api.VerifyEmailRequest
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
				"429 with Retry-After.",
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

		huma.Register(a, gw.DocumentErrors(a, huma.Operation{
			OperationID: "request-password-reset", Method: http.MethodPost, Path: "/v1/auth/password-reset", Tags: tags,
			Summary: "Ask for a password-reset link",
			Description: "Always 202 with no body for a well-formed address, whether or not an account has it (the same work " +
				"is done either way; the account is looked up afterwards). An account's address receives, in the account's " +
				"language, a link <public-url>/reset-password?token=T that works once, for 30 minutes; the app or web page " +
				"there posts T with a new password to /v1/auth/password-reset/confirm. Throttled per address asked for " +
				"(5 an hour) and per client address (20 in 15 minutes): 429 with Retry-After.",
			DefaultStatus: http.StatusAccepted,
		}, http.StatusTooManyRequests), func(ctx context.Context, in *resetInput) (*gw.NoContent, error) {
			in.Body.ClientIP = gw.ClientIP(ctx) // never what the client says
			return gw.ForwardNoContent(ctx, nc, api.SubjectPasswordReset, in.Body)
		})

		huma.Register(a, huma.Operation{
			OperationID: "confirm-password-reset", Method: http.MethodPost, Path: "/v1/auth/password-reset/confirm", Tags: tags,
			Summary: "Set a new password with a reset link",
			Description: "Sets the password (the registration's policy: 400 names body.password when it is too weak) and " +
				"signs out every session of the account. A token that is unknown, expired, already used or made void " +
				"(another reset link was used) is 400 naming body.token, one answer for all.",
			DefaultStatus: http.StatusNoContent,
		}, func(ctx context.Context, in *resetConfirmInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectPasswordResetConfirm, in.Body)
		})

		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.EmailVerified](a, huma.Operation{
			OperationID: "verify-email", Method: http.MethodPost, Path: "/v1/auth/verify-email", Tags: tags,
			Summary: "Verify an email address with a mailed link",
			Description: "The token of a link <public-url>/verify-email?token=T, mailed at registration (and by " +
				"/v1/auth/verify-email/resend) or to the new address of an email change (PATCH /v1/me {\"email\"}). A " +
				"verification marks the address verified; an email change's link gives the account its new address, " +
				"verified, and mails a notice to the old one. A token that is unknown, expired or already used is 400 " +
				"naming body.token; 409 when another account took the new address in the meantime.",
		}), http.StatusConflict), func(ctx context.Context, in *verifyInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectVerifyEmail, in.Body)
		})

		huma.Register(a, gw.DocumentErrors(a, huma.Operation{
			OperationID: "resend-email-verification", Method: http.MethodPost, Path: "/v1/auth/verify-email/resend", Tags: tags,
			Summary:       "Mail a new verification link",
			Description:   "Mails a new link to the account's address (older links keep working). 409 when it is verified already; 5 an hour, then 429.",
			DefaultStatus: http.StatusAccepted,
			Security:      gw.Authenticated,
		}, http.StatusConflict, http.StatusTooManyRequests), func(ctx context.Context, _ *struct{}) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectResendVerification, struct{}{})
		})

		huma.Register(a, gw.DocumentRaw[api.JWKS](a, huma.Operation{
			OperationID: "jwks", Method: http.MethodGet, Path: "/.well-known/jwks.json", Tags: tags,
			Summary:     "Public keys of access tokens",
			Description: "The JSON Web Key Set that verifies access tokens (EdDSA).",
		}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectKeysGet, struct{}{})
		})
	})
}
