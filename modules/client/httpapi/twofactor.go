package httpapi

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client/api"
)

type secondFactorLoginInput struct {
	Body api.SecondFactorLoginRequest
}

type totpConfirmInput struct {
	Body api.TOTPConfirmRequest
}

type twoFactorProofInput struct {
	Body api.TwoFactorProofRequest
}

// maxTwoFactorBody bounds the bodies of the two-factor operations.
const maxTwoFactorBody = 4 << 10

// twoFactorRoutes registers two-factor sign-in: the login's second step
// and the caller's /v1/me/2fa.
func twoFactorRoutes(a huma.API, nc *nats.Conn) {
	// The details of a login's second_factor_required problem, named in
	// the document for clients to decode.
	a.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[api.SecondFactorChallenge](), true, "SecondFactorChallenge")
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.TokenResponse](a, huma.Operation{
		OperationID: "login-2fa", Method: http.MethodPost, Path: "/v1/auth/login/2fa", Tags: []string{"auth"},
		Summary: "Complete a sign-in with a second factor",
		Description: "After a login answered 401 `second_factor_required`: its `details.challenge` and a code — the 6 digits " +
			"of the authenticator app (one 30-second step of skew each way; each code works once) or an unused recovery " +
			"code (each works once). A challenge lives 5 minutes, works once and takes 5 wrong codes; after that, or when " +
			"unknown, 401 asks to sign in with the password again. Wrong codes are throttled per account and per address " +
			"(a device the account knows on its own), 429 with Retry-After. Send the login's device_token again to keep it.",
		MaxBodyBytes: maxTwoFactorBody,
	}), http.StatusUnauthorized, http.StatusTooManyRequests), func(ctx context.Context, in *secondFactorLoginInput) (*gw.RawJSON, error) {
		in.Body.ClientIP = gw.ClientIP(ctx) // never what the client says
		return gw.Forward(ctx, nc, api.SubjectLoginSecondFactor, in.Body)
	})

	tags := []string{"two-factor"}
	huma.Register(a, gw.DocumentRaw[api.TwoFactorStatus](a, huma.Operation{
		OperationID: "get-2fa", Method: http.MethodGet, Path: "/v1/me/2fa", Tags: tags,
		Summary:  "Two-factor sign-in of the signed-in user",
		Security: gw.Authenticated,
	}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectTwoFactorGet, struct{}{})
	})

	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.TOTPEnrolment](a, huma.Operation{
		OperationID: "start-totp", Method: http.MethodPost, Path: "/v1/me/2fa/totp", Tags: tags,
		Summary: "Start TOTP enrolment",
		Description: "A new secret for an authenticator app (RFC 6238: SHA1, 6 digits, 30 s), with its otpauth:// URI to " +
			"show as a QR code. Not used at login until confirmed with a code; starting again replaces an unconfirmed " +
			"secret. 409 when two-factor sign-in is on already.",
		Security: gw.Authenticated,
	}), http.StatusConflict), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectTOTPStart, struct{}{})
	})

	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.RecoveryCodes](a, huma.Operation{
		OperationID: "confirm-totp", Method: http.MethodPost, Path: "/v1/me/2fa/totp/confirm", Tags: tags,
		Summary: "Turn two-factor sign-in on",
		Description: "With the authenticator app's current code for the new secret and the account's password (400 naming " +
			"body.code or body.password when wrong; wrong ones are throttled as at login, 429). " +
			"Answers 10 recovery codes, shown only now (only their hashes are kept). From now on a login asks for a code. " +
			"Sessions signed in already (refresh tokens) are not affected. 409 when no enrolment waits.",
		Security: gw.Authenticated, MaxBodyBytes: maxTwoFactorBody,
	}), http.StatusConflict), func(ctx context.Context, in *totpConfirmInput) (*gw.RawJSON, error) {
		in.Body.ClientIP = gw.ClientIP(ctx)
		return gw.Forward(ctx, nc, api.SubjectTOTPConfirm, in.Body)
	})

	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "disable-2fa", Method: http.MethodDelete, Path: "/v1/me/2fa", Tags: tags,
		Summary: "Turn two-factor sign-in off",
		Description: "With the password and a code of the authenticator app or an unused recovery code (400 naming the " +
			"wrong one). The secret and the recovery codes are erased. Wrong ones are throttled as at login (429). " +
			"409 when it is off.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated, MaxBodyBytes: maxTwoFactorBody,
	}, http.StatusConflict, http.StatusTooManyRequests), func(ctx context.Context, in *twoFactorProofInput) (*gw.NoContent, error) {
		in.Body.ClientIP = gw.ClientIP(ctx)
		return gw.ForwardNoContent(ctx, nc, api.SubjectTwoFactorDisable, in.Body)
	})

	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.RecoveryCodes](a, huma.Operation{
		OperationID: "renew-recovery-codes", Method: http.MethodPost, Path: "/v1/me/2fa/recovery-codes", Tags: tags,
		Summary: "New recovery codes",
		Description: "With the password and a code (or an unused recovery code, spent): 10 new recovery codes, shown only " +
			"now; every earlier one is void. Wrong ones are throttled as at login (429). 409 when two-factor sign-in is off.",
		Security: gw.Authenticated, MaxBodyBytes: maxTwoFactorBody,
	}), http.StatusConflict, http.StatusTooManyRequests), func(ctx context.Context, in *twoFactorProofInput) (*gw.RawJSON, error) {
		in.Body.ClientIP = gw.ClientIP(ctx)
		return gw.Forward(ctx, nc, api.SubjectRecoveryCodes, in.Body)
	})
}
