package bus

import (
	"context"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
)

// Headers that carry the authenticated caller on RPC requests. Only the
// front sets them, after verifying an access token; app users cannot
// publish on rpc.* subjects.
const (
	HeaderUserID    = "Athlos-User-ID"
	HeaderUserRole  = "Athlos-User-Role"
	HeaderSessionID = "Athlos-Session-ID"
)

// Caller is the authenticated user on whose behalf a request runs.
type Caller struct {
	UserID    string
	Role      string
	SessionID string
}

type callerKey struct{}

// WithCaller returns a context carrying c; Request forwards it.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller of ctx; ok is false for anonymous requests.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok && c.UserID != ""
}

// RequireCaller returns the caller of ctx, or an unauthorized error.
func RequireCaller(ctx context.Context) (Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return c, &Error{Code: CodeUnauthorized, Message: "authentication required"}
	}
	return c, nil
}

// RequireUserID returns the caller's user id, or an unauthorized error
// when the request has no caller or a malformed one.
func RequireUserID(ctx context.Context) (uuid.UUID, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := uuid.Parse(c.UserID)
	if err != nil {
		return uuid.Nil, &Error{Code: CodeUnauthorized, Message: "bad caller"}
	}
	return id, nil
}

func setCaller(ctx context.Context, hdr nats.Header) {
	if c, ok := CallerFrom(ctx); ok {
		hdr.Set(HeaderUserID, c.UserID)
		hdr.Set(HeaderUserRole, c.Role)
		hdr.Set(HeaderSessionID, c.SessionID)
	}
}

func callerFromHeader(ctx context.Context, hdr nats.Header) context.Context {
	if id := hdr.Get(HeaderUserID); id != "" {
		return WithCaller(ctx, Caller{UserID: id, Role: hdr.Get(HeaderUserRole), SessionID: hdr.Get(HeaderSessionID)})
	}
	return ctx
}

// AsCaller adapts a use case run on the caller's behalf to a handler: the
// request is decoded into Req (a malformed one is invalid, as JSON does),
// the caller resolved (a request without one is unauthorized) and passed
// to fn as user.
func AsCaller[Req, Resp any](fn func(ctx context.Context, user uuid.UUID, in Req) (Resp, error)) HandlerFunc {
	return JSON(func(ctx context.Context, in Req) (Resp, error) {
		user, err := RequireUserID(ctx)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, in)
	})
}

// AsRole is AsCaller for callers with role (the access token's role claim,
// e.g. admin): others are forbidden.
func AsRole[Req, Resp any](role string, fn func(ctx context.Context, user uuid.UUID, in Req) (Resp, error)) HandlerFunc {
	return AsCaller(func(ctx context.Context, user uuid.UUID, in Req) (Resp, error) {
		if c, _ := CallerFrom(ctx); c.Role != role {
			var zero Resp
			return zero, Errorf(CodeForbidden, "only for callers with the role %q", role)
		}
		return fn(ctx, user, in)
	})
}

// AsCallerEncoded is AsCaller for a use case that encodes its answer
// itself (JSONEncoded).
func AsCallerEncoded[Req any](fn func(ctx context.Context, user uuid.UUID, in Req) ([]byte, error)) HandlerFunc {
	return JSONEncoded(func(ctx context.Context, in Req) ([]byte, error) {
		user, err := RequireUserID(ctx)
		if err != nil {
			return nil, err
		}
		return fn(ctx, user, in)
	})
}

// ParseID reads an id a request or an event names: an invalid error on
// field when it is not a UUID.
func ParseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, Invalid(field, "must be a UUID")
	}
	return id, nil
}
