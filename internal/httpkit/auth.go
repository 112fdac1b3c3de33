package httpkit

import (
	"context"

	"github.com/athlos/athlos/bus"
)

// SecurityBearer names the bearer-token security scheme. An operation that
// needs a signed-in user lists it in its Security (use Authenticated); the
// front then verifies the access token before the handler runs, answers 401
// without a valid one, and puts the caller into the context, from where
// bus.Request forwards it to the module (bus.CallerFrom).
const SecurityBearer = "bearer"

// Authenticated is the Security of an operation for signed-in users.
var Authenticated = []map[string][]string{{SecurityBearer: {}}}

// Verifier checks an access token and returns its caller. Errors are
// *bus.Error (unauthorized, or unavailable when keys cannot be had).
type Verifier interface {
	Verify(ctx context.Context, token string) (bus.Caller, error)
}

type clientIPKey struct{}

// WithClientIP returns a context carrying the client's address.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP returns the address of the client the front saw (or "").
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
