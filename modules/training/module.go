package training

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/rpc"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// Module wires the training module: its service on rpc.training.* and its
// consumers.
var Module = platform.Module(api.Module, fx.Invoke(start))

func start(rt *platform.Runtime) error {
	s := service.New(rt.DB)
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	// Telemetry from the app over NATS: the same pipeline as HTTP. The
	// message is acknowledged after its points are committed.
	rt.Consume(bus.ConsumerConfig{Stream: bus.StreamTelemetry, Durable: bus.ConsumerName(api.Module, "live.telemetry"),
		Subjects: []string{"live.telemetry.>"}},
		func(ctx context.Context, msg jetstream.Msg) error {
			_, err := s.IngestTelemetry(ctx, msg.Subject(), msg.Data())
			return err
		})
	// A deleted account: erase what this module keeps of the user.
	rt.OnEvent(bus.EventStream(clientapi.Module), clientapi.EventUserDeleted,
		func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev clientapi.UserDeleted
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a user.deleted event: "+err.Error())
			}
			return s.EraseUser(ctx, tx, ev.UserID)
		})
	return nil
}
