// Package consume applies other modules' events to the social module: each
// with platform.Runtime.OnEvent (a durable consumer social__<event>, each
// event applied once in the handler's transaction), decoding the
// publisher's payload (from its api package) and calling the service.
package consume

import (
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/platform"
)

// Register starts the social module's consumers (none yet).
func Register(*platform.Runtime, *service.Service) {}
