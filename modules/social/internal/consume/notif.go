package consume

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/social/internal/notif"
	"github.com/athlos/athlos/modules/social/internal/service"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// RegisterNotify starts the consumers whose events become notifications
// to the members of the actor's groups: evt.training.record.set (kind
// record), evt.gamification.achievement.unlocked (achievement) and
// evt.gamification.challenge.completed (challenge_completed); and
// evt.client.export.ready (export_ready), to the user alone. Each maps
// its event to a service.Fact; the fan-out is the same for every kind.
func RegisterNotify(rt *platform.Runtime, n *service.Notify) {
	registerGamification(rt, n)
	registerExportReady(rt, n)
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
		// A private session's records are the athlete's alone (an event
		// without the session's visibility, from before it was told, too).
		if len(ev.Records) == 0 || (ev.Visibility != "followers" && ev.Visibility != "public") {
			return nil
		}
		return n.FanOut(ctx, tx, service.Fact{Kind: notif.Record, Actor: user, SourceKey: session.String(),
			Data: recordData(session.String(), ev), Count: len(ev.Records)})
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

// registerGamification turns the gamification module's achievements and
// completed challenges into notifications. The source key names the fact
// whatever the message id: the user, achievement, tier and repetition;
// the challenge and participant.
func registerGamification(rt *platform.Runtime, n *service.Notify) {
	stream := bus.EventStream(gamificationapi.Module)
	rt.OnEvent(stream, gamificationapi.EventAchievementUnlocked, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev gamificationapi.AchievementUnlocked
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not an achievement.unlocked event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		if ev.AchievementID == "" || ev.Tier < 1 {
			return bus.Invalid("achievement_id", "an achievement.unlocked event needs the achievement and its tier")
		}
		name := ev.Name
		if ev.TierName != "" {
			name += " (" + ev.TierName + ")"
		}
		data := map[string]any{"achievement_id": ev.AchievementID, "name": name, "name_key": ev.NameKey, "tier": ev.Tier,
			"points": ev.Points, "unlocked_at": ev.UnlockedAt.UTC()}
		if ev.TierName != "" {
			data["tier_name"] = ev.TierName
		}
		if ev.Repetition > 0 {
			data["repetition"] = ev.Repetition
		}
		fact := service.Fact{Kind: notif.Achievement, Actor: user, Name: name, Data: data, SourceKey: user.String() + ":" + unlockKey(ev)}
		if ev.SessionID == "" {
			return n.FanOut(ctx, tx, fact)
		}
		// Of a session: told once its feed card says it is not private
		// (the card may come later, through another consumer).
		session, err := bus.ParseID("session_id", ev.SessionID)
		if err != nil {
			return err
		}
		return n.FanOutOfSession(ctx, tx, session, fact)
	})
	rt.OnEvent(stream, gamificationapi.EventChallengeCompleted, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev gamificationapi.ChallengeCompleted
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not a challenge.completed event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		challenge, err := bus.ParseID("challenge_id", ev.ChallengeID)
		if err != nil {
			return err
		}
		data := map[string]any{"challenge_id": challenge.String(), "title": ev.Title, "kind": ev.Kind, "value": ev.Value,
			"unit": ev.Unit, "completed_at": ev.CompletedAt.UTC()}
		if ev.Rank > 0 {
			data["rank"] = ev.Rank
		}
		if ev.GroupID != "" {
			data["group_id"] = ev.GroupID
		}
		if ev.TeamID != "" {
			data["team_id"] = ev.TeamID
		}
		return n.FanOut(ctx, tx, service.Fact{Kind: notif.ChallengeCompleted, Actor: user, Name: ev.Title, Data: data,
			SourceKey: challenge.String() + ":" + user.String()})
	})
}

// registerExportReady tells a user their data export is ready (the
// client module's evt.client.export.ready): a personal notification, to
// them alone, the export's id its source key.
func registerExportReady(rt *platform.Runtime, n *service.Notify) {
	rt.OnEvent(bus.EventStream(clientapi.Module), clientapi.EventExportReady, func(ctx context.Context, tx pgx.Tx, msg jetstream.Msg) error {
		var ev clientapi.ExportReadyEvent
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return bus.Invalid("payload", "not an export.ready event: "+err.Error())
		}
		user, err := bus.ParseID("user_id", ev.UserID)
		if err != nil {
			return err
		}
		export, err := bus.ParseID("export_id", ev.ExportID)
		if err != nil {
			return err
		}
		data := map[string]any{"export_id": export.String(), "size_bytes": ev.SizeBytes, "ready_at": ev.ReadyAt.UTC(),
			"expires_at": ev.ExpiresAt.UTC(), "download_url": clientapi.ExportDownloadPath}
		return n.FanOut(ctx, tx, service.Fact{Kind: notif.ExportReady, Actor: user, SourceKey: export.String(), Data: data})
	})
}

// unlockKey names an unlock among a user's: the achievement, tier and
// repetition.
func unlockKey(ev gamificationapi.AchievementUnlocked) string {
	return fmt.Sprintf("%s:%d:%d", ev.AchievementID, ev.Tier, ev.Repetition)
}
