package gamification

import (
	"go.uber.org/fx"

	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/platform"
)

// Module wires the gamification module: its RPC service, database pool and outbox
// relay (platform.Module).
func Module() fx.Option { return platform.Module(api.Module) }
