package social

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/consume"
	"github.com/athlos/athlos/modules/social/internal/rpc"
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/platform"
)

// Module wires the social module: its service on rpc.social.* and its
// consumers (platform.Module gives it its RPC service, database pool,
// outbox relay and idempotency keys), with its configuration.
func Module(cfg Config) fx.Option {
	return platform.Module(api.Module, fx.Invoke(func(sctx platform.StartContext, rt *platform.Runtime, lc fx.Lifecycle,
		pcfg *platform.Config, emb *bus.Embedded, reg *prometheus.Registry) error {
		return start(sctx, rt, lc, pcfg, emb, reg, cfg)
	}), fx.Invoke(startChat))
}

func start(sctx platform.StartContext, rt *platform.Runtime, lc fx.Lifecycle, pcfg *platform.Config, emb *bus.Embedded,
	reg *prometheus.Registry, cfg Config) error {
	s := service.New(rt.DB, rt.Log, rt.Idempotency)
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	// Notifications (notify.go).
	n, err := startNotify(sctx, rt, lc, pcfg, emb, reg, cfg)
	if err != nil {
		return err
	}
	consume.Register(rt, s, n)
	return nil
}
