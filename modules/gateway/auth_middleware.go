package gateway

import (
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
)

var (
	errNoToken = &bus.Error{Code: bus.CodeUnauthorized, Message: "this operation needs an access token (Authorization: Bearer <token>)"}
	errNoAuth  = &bus.Error{Code: bus.CodeUnavailable, Message: "token verification is not available", RetryAfter: 5}
)

// authenticate is the huma middleware of every operation: it records the
// client's address, and for operations secured with httpkit.SecurityBearer
// verifies the access token and puts the caller into the context, or
// answers 401 (with WWW-Authenticate) without calling the handler.
func (f *Front) authenticate(hctx huma.Context, next func(huma.Context)) {
	fc := humafiber.Unwrap(hctx)
	ctx := httpkit.WithClientIP(hctx.Context(), f.clientIP(fc))
	if needsBearer(hctx.Operation()) {
		caller, err := f.verify(hctx)
		if err != nil {
			if bus.CodeOf(err) == bus.CodeUnauthorized {
				hctx.SetHeader("WWW-Authenticate", `Bearer realm="athlos"`)
			}
			f.writeProblem(fc, httpkit.AsProblem(err), httpkit.RequestID(ctx))
			return
		}
		ctx = bus.WithCaller(ctx, caller)
	}
	next(huma.WithContext(hctx, ctx))
}

// clientIP is the request's client address (see TrustedProxies).
func (f *Front) clientIP(fc *fiber.Ctx) string {
	peer := fc.Context().RemoteIP().String()
	if len(f.cfg.TrustedProxies) == 0 {
		return peer
	}
	values := func(name string) []string {
		var out []string
		for _, v := range fc.Request().Header.PeekAll(name) {
			out = append(out, string(v))
		}
		return out
	}
	return f.cfg.TrustedProxies.clientIP(peer, values("Forwarded"), values("X-Forwarded-For"))
}

func (f *Front) verify(hctx huma.Context) (bus.Caller, error) {
	token, ok := bearerToken(hctx.Header("Authorization"))
	if !ok {
		return bus.Caller{}, errNoToken
	}
	if f.cfg.Verifier == nil {
		return bus.Caller{}, errNoAuth
	}
	return f.cfg.Verifier.Verify(hctx.Context(), token)
}

func needsBearer(op *huma.Operation) bool {
	if op == nil {
		return false
	}
	for _, req := range op.Security {
		if _, ok := req[httpkit.SecurityBearer]; ok {
			return true
		}
	}
	return false
}
