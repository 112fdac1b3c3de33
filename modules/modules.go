// Package modules is the registry of Athlos's modules: it turns a list of
// module names into the fx options that run them. It is part of the
// composition root, like cmd/athlos, and the only place (with the gateway)
// that may import a module's httpapi package.
package modules

import (
	"fmt"
	"slices"

	"github.com/nats-io/nats.go"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client"
	clienthttp "github.com/athlos/athlos/modules/client/httpapi"
	"github.com/athlos/athlos/modules/gamification"
	"github.com/athlos/athlos/modules/gateway"
	"github.com/athlos/athlos/modules/gateway/api"
	"github.com/athlos/athlos/modules/promo"
	"github.com/athlos/athlos/modules/social"
	"github.com/athlos/athlos/modules/training"
	traininghttp "github.com/athlos/athlos/modules/training/httpapi"
	"github.com/athlos/athlos/platform"
)

// HTTPRoutes returns the HTTP operations of every module, served by the
// front wherever the modules themselves run. Each module's httpapi package
// adds its constructor here; the gateway module receives them through the
// fx value group "routes".
//
// node gives the NATS WebSocket URLs of this node and the others of its
// cluster for a request's Host (platform.NodeWebSocketURLs; nil in the API
// document).
func HTTPRoutes(nc *nats.Conn, node func(host string) []string) []api.Routes {
	return append(gateway.Routes(nc),
		clienthttp.Routes(nc),
		clienthttp.ProfileRoutes(nc),
		clienthttp.GearRoutes(nc),
		clienthttp.RealtimeRoutes(nc, node),
		traininghttp.Routes(nc),
		traininghttp.SessionRoutes(nc),
	)
}

// OpenAPI returns the API document of all modules (what /openapi.json serves).
func OpenAPI() ([]byte, error) {
	return gateway.OpenAPI(HTTPRoutes(nil, nil))
}

// Channels returns the real-time channels of every module (NATS subjects
// the app publishes on or subscribes to, and their messages), served by
// the front as /asyncapi.json wherever the modules run. Each module's
// httpapi package adds its own here, as with HTTPRoutes; the gateway
// module receives them through the fx value group "channels".
func Channels() []api.Channel {
	return slices.Concat(
		clienthttp.Channels(),
		traininghttp.Channels(),
	)
}

// AsyncAPI returns the real-time API document of all modules (what
// /asyncapi.json serves).
func AsyncAPI() ([]byte, error) {
	return gateway.AsyncAPI(Channels())
}

var byName = map[string]fx.Option{
	"client":         client.Module,
	"training":       training.Module,
	"social":         social.Module,
	"gamification":   gamification.Module,
	"promo":          promo.Module,
	platform.Gateway: gateway.Module,
}

// Options returns the fx options that run the given modules, in the
// registry's order.
func Options(names []string) (fx.Option, error) {
	var opts []fx.Option
	for _, n := range platform.Known {
		for _, want := range names {
			if want == n {
				opts = append(opts, byName[n])
			}
		}
	}
	opts = append(opts, fx.Provide(fx.Annotate(
		func(c *bus.Conn, emb *bus.Embedded, cfg *platform.Config) []api.Routes {
			return HTTPRoutes(c.NC, platform.NodeWebSocketURLs(cfg, emb))
		},
		fx.ResultTags(`group:"routes,flatten"`),
	)), fx.Provide(fx.Annotate(Channels, fx.ResultTags(`group:"channels,flatten"`))))
	for _, want := range names {
		if _, ok := byName[want]; !ok {
			return nil, fmt.Errorf("unknown module %q", want)
		}
	}
	return fx.Options(opts...), nil
}
