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
// outbox relay and idempotency keys).
func Module() fx.Option {
	return platform.Module(api.Module, fx.Invoke(start), fx.Invoke(startChat))
}

func start(rt *platform.Runtime) error {
	s := service.New(rt.DB, rt.Log, rt.Idempotency)
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	consume.Register(rt, s)
	return nil
}
