package gamification

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/achieve/rpc"
	"github.com/athlos/athlos/modules/gamification/internal/achieve/service"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// backfillEvery is how often each process looks for a backfill to work
// on besides when one is requested (a run stopped by a crash goes on).
const backfillEvery = 30 * time.Second

// achievements wires the achievements: the service (the applier of
// session changes, returned), its operations, its consumers of records set
// and challenges completed, the seeding of the default catalogue and the
// backfill worker.
func achievements(rt *platform.Runtime) (*service.Service, error) {
	s := service.New(rt.DB, rt.Log)
	if err := rpc.Register(rt.Service, s); err != nil {
		return nil, err
	}
	rt.OnEvent(bus.EventStream(trainingapi.Module), trainingapi.EventRecordSet, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev trainingapi.RecordSet
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a record.set event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		session, err := bus.ParseID("session_id", ev.SessionID)
		if err != nil || len(ev.Records) == 0 {
			return err
		}
		return s.AddRecords(ctx, tx, user, len(ev.Records), session, ev.SetAt)
	})
	rt.OnEvent(bus.EventStream(api.Module), api.EventChallengeCompleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev api.ChallengeCompleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a challenge.completed event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		return s.AddChallenge(ctx, tx, user, ev.CompletedAt)
	})
	rt.Go("achievement backfills", func(ctx context.Context) {
		if err := s.Seed(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("the default achievements were not seeded; the first session will try again", "err", err)
		}
		s.RunBackfills(ctx, backfillEvery)
	})
	return s, nil
}
