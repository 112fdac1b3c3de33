package promo

import (
	"go.uber.org/fx"

	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/platform"
)

// Module wires the promo module: its RPC service, database pool and outbox
// relay (platform.Module).
func Module() fx.Option { return platform.Module(api.Module) }
