package gateway

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
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
	Bus       *bus.Conn
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
		verifier := NewJWKSVerifier(p.Bus.NC, p.Log)
		f, err := New(Config{
			Verifier:       verifier,
			Addr:           p.Config.HTTP.Listen,
			BodyLimit:      p.Config.HTTP.BodyLimit,
			RequestTimeout: p.Config.HTTP.RequestTimeout,
			Version:        APIVersion,
			AccessLogLevel: slog.LevelInfo,
			DrainPeriod:    p.Config.HTTP.DrainPeriod,
		}, p.Log, p.Registry, nil, routes)
		if err != nil {
			return nil, err
		}
		var subs []*nats.Subscription
		p.Lifecycle.Append(fx.Hook{
			OnStart: func(ctx context.Context) error {
				// Deleted users lose access at once; rotated keys are
				// fetched at once. Core subscriptions: every front process
				// must see every such event.
				for subject, fn := range map[string]func(*nats.Msg){
					clientapi.EventUserDeleted: func(m *nats.Msg) {
						var ev clientapi.UserDeleted
						if json.Unmarshal(m.Data, &ev) == nil && ev.UserID != "" {
							verifier.Deny(ev.UserID)
						}
					},
					clientapi.EventKeysRotated: func(*nats.Msg) {
						if err := verifier.Refresh(context.Background()); err != nil {
							p.Log.Warn("refresh signing keys", "err", err)
						}
					},
				} {
					sub, err := p.Bus.NC.Subscribe(subject, fn)
					if err != nil {
						return err
					}
					subs = append(subs, sub)
				}
				// Every constructor has run by now: take all checks.
				for _, c := range p.Health.Checks() {
					if err := f.AddCheck(Check(c)); err != nil {
						return err
					}
				}
				return f.Start(ctx)
			},
			OnStop: func(ctx context.Context) error {
				for _, sub := range subs {
					_ = sub.Unsubscribe()
				}
				return f.Stop(ctx)
			},
		})
		return f, nil
	}),
)
