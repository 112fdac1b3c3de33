// Package httpkit is the contract between the HTTP front (module gateway) and the
// httpapi packages of the other modules. It is deliberately small:
//
//   - Routes: what a module's httpapi package hands to the front so that its
//     huma operations are registered at start.
//   - Channel: what a module's httpapi package hands to the front to describe
//     its real-time channels (NATS subjects of the app) in /asyncapi.json.
//   - Problem: turns an error (usually a *bus.Error that came back over NATS)
//     into the front's RFC 9457 problem+json answer.
//   - RawJSON / JSON / DocumentRaw: pass a module's reply bytes through
//     verbatim, without decoding and re-encoding them.
//   - RequestID: the request id of the HTTP request that a context belongs to,
//     to forward as the HeaderRequestID header of NATS requests.
//
// A handler registered through Routes gets a context that carries the request
// id and the per-request deadline of the front; passing it to every RPC makes
// the RPC stop waiting when the HTTP request times out.
//
// A handler may return a *bus.Error directly (or wrapped): the front maps it
// exactly as Problem does. Returning Problem(err) is the explicit form.
package httpkit

import (
	"context"

	"github.com/danielgtaylor/huma/v2"

	"github.com/athlos/athlos/bus"
)

// HeaderRequestID is the HTTP header, and the NATS header, that carries the
// request id end to end.
const HeaderRequestID = bus.HeaderRequestID

// Routes is implemented by each module's httpapi package. The front calls
// RegisterRoutes once, before it starts serving, with the API that every
// operation must be registered on (huma.Register, huma.Get, ... or a
// huma.NewGroup of it).
type Routes interface {
	RegisterRoutes(api huma.API)
}

// RoutesFunc adapts a plain function to Routes.
type RoutesFunc func(api huma.API)

// RegisterRoutes calls f(api).
func (f RoutesFunc) RegisterRoutes(api huma.API) { f(api) }

// WithRequestID returns a context that carries id as the request id (the
// same value bus.Request forwards in the HeaderRequestID header). The front
// does this for every request.
func WithRequestID(ctx context.Context, id string) context.Context {
	return bus.WithRequestID(ctx, id)
}

// RequestID returns the request id carried by ctx, or "" when there is none.
func RequestID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	return bus.RequestID(ctx)
}
