// Package httpapi is the social module's HTTP operations and real-time
// channels, registered on the front wherever the module runs (package
// modules lists them): each validates its input's shape, forwards to
// rpc.social.* and passes the answer through.
package httpapi

import (
	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/internal/httpkit"
)

// Routes returns the social module's operations (none yet).
func Routes(*nats.Conn) httpkit.Routes { return httpkit.RoutesFunc(func(huma.API) {}) }

// Channels returns the social module's real-time channels (none yet).
func Channels() []httpkit.Channel { return nil }
