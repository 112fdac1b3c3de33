// Package consume applies events to the client module: other modules'
// events, decoding each publisher's payload (from its api package) and
// calling the service in the event's exactly-once transaction, and the
// module's own evt.client.keys.rotated, which every process of the module
// hears.
package consume

import (
	"context"

	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/platform"
)

// Register starts the client module's consumers.
func Register(rt *platform.Runtime, s *service.Service) error {
	sessions(rt, s)
	return keysRotated(rt, s)
}

// keysRotated reloads the signing keys at once when another process
// rotated them (Service.Maintain reloads them every few minutes anyway,
// in case the event was missed). Every process hears it: a plain
// subscription, not a durable consumer.
func keysRotated(rt *platform.Runtime, s *service.Service) error {
	sub, err := rt.Bus.NC.Subscribe(api.EventKeysRotated, func(*nats.Msg) {
		if err := s.LoadKeys(context.Background()); err != nil {
			rt.Log.Warn("reload signing keys", "err", err)
		}
	})
	if err != nil {
		return err
	}
	rt.OnStop(func(context.Context) error { return sub.Unsubscribe() })
	return nil
}
