package gateway

import (
	"context"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/modules/gateway/api"
	"github.com/athlos/athlos/platform"
)

type frontParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    *platform.Config
	Log       *slog.Logger
	Registry  *prometheus.Registry
	Health    *platform.Health
	// Routes of every module, from the composition root (package modules).
	Routes []api.Routes `group:"routes"`
}

// Routes are the front's own operations (besides /livez, /readyz and
// /metrics, which are not part of the API document).
func Routes(nc *nats.Conn) []api.Routes { return []api.Routes{StatusRoutes(nc)} }

// Module runs the HTTP front: every module's routes, wherever the module
// itself runs, plus /livez, /readyz, /metrics, /openapi.json and /docs.
var Module = fx.Module("gateway",
	fx.Invoke(func(p frontParams) (*Front, error) {
		routes := p.Routes
		f, err := New(Config{
			Addr:           p.Config.HTTP.Listen,
			BodyLimit:      p.Config.HTTP.BodyLimit,
			RequestTimeout: p.Config.HTTP.RequestTimeout,
			Version:        APIVersion,
			AccessLogLevel: slog.LevelInfo,
		}, p.Log, p.Registry, nil, routes)
		if err != nil {
			return nil, err
		}
		p.Lifecycle.Append(fx.Hook{
			OnStart: func(ctx context.Context) error {
				// Every constructor has run by now: take all checks.
				for _, c := range p.Health.Checks() {
					if err := f.AddCheck(Check(c)); err != nil {
						return err
					}
				}
				return f.Start(ctx)
			},
			OnStop: f.Stop,
		})
		return f, nil
	}),
)
