package consume

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	socialapi "github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// groups keeps the co-membership read model from the social module's
// member events (joined, role changed: a member; left: no longer) and
// closed groups. Each event carries social's membership seq, so events of
// separate consumers, redelivered or late, leave the newest fact.
func groups(rt *platform.Runtime, s *service.Service) {
	stream := bus.EventStream(socialapi.Module)
	for _, subject := range []string{socialapi.EventMemberJoined, socialapi.EventMemberRoleChanged, socialapi.EventMemberLeft} {
		member := subject != socialapi.EventMemberLeft
		rt.OnEvent(stream, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev socialapi.MemberChanged
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a member event: "+err.Error())
			}
			group, err := eventID("group_id", ev.GroupID)
			if err != nil {
				return err
			}
			user, err := eventID("user_id", ev.UserID)
			if err != nil {
				return err
			}
			return s.ApplyMembership(ctx, tx, service.Membership{Group: group, User: user, Member: member, Seq: ev.Seq})
		})
	}
	rt.OnEvent(stream, socialapi.EventGroupDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev socialapi.GroupDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a group.deleted event: "+err.Error())
		}
		group, err := eventID("group_id", ev.GroupID)
		if err != nil {
			return err
		}
		return s.CloseGroup(ctx, tx, group, ev.Seq)
	})
}
