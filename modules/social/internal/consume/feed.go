package consume

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// feed keeps the feed's cards from the training module's events: a
// finished session (completed, updated: its card as of the event's
// revision, so an older one changes nothing), a deleted one (its cards
// go for good) and the records a session set; and from the gamification
// module's, the achievements a session unlocked (an unlock without a
// session, e.g. of a completed challenge, has no card). A session's card
// tells the facts that waited for it (n.SessionCardIn).
func feed(rt *platform.Runtime, s *service.Service, n *service.Notify) {
	rt.OnEventAs(bus.EventStream(gamificationapi.Module), gamificationapi.EventAchievementUnlocked,
		bus.ConsumerName(api.Module, gamificationapi.EventAchievementUnlocked)+"_feed",
		func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev gamificationapi.AchievementUnlocked
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not an achievement.unlocked event: "+err.Error())
			}
			if ev.SessionID == "" {
				return nil
			}
			session, owner, err := sessionIDs(ev.SessionID, ev.UserID)
			if err != nil {
				return err
			}
			if ev.AchievementID == "" || ev.Tier < 1 {
				return bus.Invalid("achievement_id", "an achievement.unlocked event needs the achievement and its tier")
			}
			return s.ApplyAchievementCard(ctx, tx, service.AchievementCard{Session: session, Owner: owner,
				Key: unlockKey(ev), UnlockedAt: ev.UnlockedAt, Achievement: api.FeedAchievement{AchievementID: ev.AchievementID,
					Name: ev.Name, NameKey: ev.NameKey, Tier: ev.Tier, TierName: ev.TierName, Points: ev.Points}})
		})
	stream := bus.EventStream(trainingapi.Module)
	for _, subject := range []string{trainingapi.EventSessionCompleted, trainingapi.EventSessionUpdated} {
		rt.OnEvent(stream, subject, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev trainingapi.SessionCompleted
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a session event: "+err.Error())
			}
			session, owner, err := sessionIDs(ev.SessionID, ev.UserID)
			if err != nil {
				return err
			}
			visibility := ev.Visibility
			switch visibility {
			case "": // an event from before it was carried: shown to nobody
				visibility = "private"
			case "private", "followers", "public":
			default:
				return bus.Invalid("visibility", "must be private, followers or public")
			}
			if err := s.ApplySessionCard(ctx, tx, service.SessionCard{Session: session, Owner: owner, Sport: ev.Sport, Title: ev.Title,
				Visibility: visibility, StartedAt: ev.StartedAt, CompletedAt: ev.CompletedAt, DistanceM: ev.DistanceM,
				MovingTimeS: ev.MovingTimeS, Revision: ev.Revision}); err != nil {
				return err
			}
			return n.SessionCardIn(ctx, tx, session)
		})
	}
	rt.OnEvent(stream, trainingapi.EventSessionDeleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev trainingapi.SessionDeleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a session.deleted event: "+err.Error())
		}
		session, owner, err := sessionIDs(ev.SessionID, ev.UserID)
		if err != nil {
			return err
		}
		if err := s.DropSessionCards(ctx, tx, session, owner, ev.Sport, ev.DeletedAt, ev.Revision); err != nil {
			return err
		}
		return n.SessionCardIn(ctx, tx, session) // drops what waited
	})
	// The notifications consume record.set too (notif.go): the feed has a
	// durable consumer of its own.
	rt.OnEventAs(stream, trainingapi.EventRecordSet, bus.ConsumerName(api.Module, trainingapi.EventRecordSet)+"_feed",
		func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
			var ev trainingapi.RecordSet
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				return bus.Invalid("payload", "not a record.set event: "+err.Error())
			}
			session, owner, err := sessionIDs(ev.SessionID, ev.UserID)
			if err != nil {
				return err
			}
			records := make([]api.FeedRecord, len(ev.Records))
			for i, r := range ev.Records {
				records[i] = api.FeedRecord{Kind: r.Kind, DistanceM: r.DistanceM, Exercise: r.Exercise, Value: r.Value, Previous: r.Previous}
			}
			return s.ApplyRecordsCard(ctx, tx, service.RecordsCard{Session: session, Owner: owner, Sport: ev.Sport,
				StartedAt: ev.StartedAt, SetAt: ev.SetAt, Records: records})
		})
}

// sessionIDs reads a training event's session and user ids.
func sessionIDs(session, user string) (uuid.UUID, uuid.UUID, error) {
	s, err := bus.ParseID("session_id", session)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	u, err := bus.ParseID("user_id", user)
	return s, u, err
}
