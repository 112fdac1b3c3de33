package social

import (
	"go.uber.org/fx"

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
	return platform.Module(api.Module, fx.Invoke(func(rt *platform.Runtime) error { return start(rt, cfg) }),
		fx.Invoke(startChat))
}

func start(rt *platform.Runtime, cfg Config) error {
	s := service.New(rt.DB, rt.Log, rt.Idempotency)
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	// Notifications (notify.go).
	n, err := startNotify(rt, cfg)
	if err != nil {
		return err
	}
	consume.Register(rt, s, n)
	return nil
}
