package consume

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/internal/notif"
	"github.com/athlos/athlos/modules/social/internal/service"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// RegisterNotify starts the consumers whose events become notifications
// to the members of the actor's groups: evt.training.record.set (kind
// record). Each maps its event to a service.Fact; the fan-out is the same
// for every kind (the gamification module's achievements and completed
// challenges add a consumer here, issue 14).
func RegisterNotify(rt *platform.Runtime, n *service.Notify) {
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
		if err != nil {
			return err
		}
		if len(ev.Records) == 0 {
			return nil
		}
		_, err = n.FanOut(ctx, tx, service.Fact{Kind: notif.Record, Actor: user, SourceKey: session.String(),
			Data: recordData(session.String(), ev), Count: len(ev.Records)})
		return err
	})
}

// recordData is what a record notification shows: the session, its sport
// and start, and the records it set.
func recordData(session string, ev trainingapi.RecordSet) map[string]any {
	records := make([]map[string]any, 0, len(ev.Records))
	for _, r := range ev.Records {
		rec := map[string]any{"kind": r.Kind, "value": r.Value, "previous": r.Previous}
		if r.DistanceM > 0 {
			rec["distance_m"] = r.DistanceM
		}
		if r.Exercise != "" {
			rec["exercise"] = strings.TrimSpace(r.Exercise)
		}
		records = append(records, rec)
	}
	return map[string]any{"session_id": session, "sport": ev.Sport, "started_at": ev.StartedAt.UTC(), "set_at": ev.SetAt.UTC(),
		"records": records}
}
