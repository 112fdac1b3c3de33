// Package httpapi is the promo module's HTTP operations, registered on the
// front wherever the module runs (package modules lists them): each
// validates its input's shape, forwards to rpc.promo.* and passes the
// answer through. Each part of the module (consent and facts, offers,
// news) registers its operations in its own file.
package httpapi

import (
	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
)

// Routes returns the promo module's operations.
func Routes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		// Marketing consent (consent*.go).
		consentOperations(a, nc)

		// Offers (offers*.go).
		offerOperations(a, nc)

		// News (news*.go).
		newsOperations(a, nc)
	})
}

// Channels returns the promo module's real-time channels (none).
func Channels() []gw.Channel { return nil }
