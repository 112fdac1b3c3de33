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

// follows keeps the follows and blocks read model from the social
// module's events (follow created: following; deleted: no longer; block
// created and deleted). Each event carries social's follow seq, so events
// of separate consumers, redelivered or late, leave the newest fact. A
// follow request (follow.requested) grants nothing and is not consumed.
func follows(rt *platform.Runtime, s *service.Service) {
	stream := bus.EventStream(socialapi.Module)
	for _, subject := range []string{socialapi.EventFollowCreated, socialapi.EventFollowDeleted} {
		following := subject == socialapi.EventFollowCreated
		rt.OnEvent(stream, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev socialapi.FollowChanged
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a follow event: "+err.Error())
			}
			follower, err := eventID("follower_id", ev.FollowerID)
			if err != nil {
				return err
			}
			followee, err := eventID("followee_id", ev.FolloweeID)
			if err != nil {
				return err
			}
			return s.ApplyFollow(ctx, tx, service.FollowFact{Follower: follower, Followee: followee, Following: following, Seq: ev.Seq})
		})
	}
	for _, subject := range []string{socialapi.EventBlockCreated, socialapi.EventBlockDeleted} {
		blocking := subject == socialapi.EventBlockCreated
		rt.OnEvent(stream, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev socialapi.BlockChanged
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a block event: "+err.Error())
			}
			blocker, err := eventID("blocker_id", ev.BlockerID)
			if err != nil {
				return err
			}
			blocked, err := eventID("blocked_id", ev.BlockedID)
			if err != nil {
				return err
			}
			return s.ApplyBlock(ctx, tx, service.BlockFact{Blocker: blocker, Blocked: blocked, Blocking: blocking, Seq: ev.Seq})
		})
	}
}
