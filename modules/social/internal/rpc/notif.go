package rpc

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/notif"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// RegisterNotify serves rpc.social.notifications.*, groups.mute and
// .unmute, notify_settings.* and push_tokens.*: the inbox, mutes,
// settings and device tokens.
func RegisterNotify(svc *bus.Service, n *service.Notify) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectNotificationsList: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.NotificationListRequest) (api.NotificationList, error) {
			return n.Inbox(ctx, user, in.Limit, in.Cursor, in.Unread)
		}),
		api.SubjectNotificationRead: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.NotificationRef) (none, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return none{}, err
			}
			return none{}, n.MarkRead(ctx, user, id)
		}),
		api.SubjectNotificationsReadAll: bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ none) (api.NotificationsRead, error) {
			return n.MarkAllRead(ctx, user)
		}),
		api.SubjectGroupMute: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupRef) (none, error) {
			return none{}, muteGroup(ctx, n, user, in.ID, true)
		}),
		api.SubjectGroupUnmute: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.GroupRef) (none, error) {
			return none{}, muteGroup(ctx, n, user, in.ID, false)
		}),
		api.SubjectNotifySettingsGet: bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ none) (api.NotificationSettings, error) {
			return n.Settings(ctx, user)
		}),
		api.SubjectNotifySettingsPatch: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in json.RawMessage) (api.NotificationSettings, error) {
			ch, err := settingsChanges(in)
			if err != nil {
				return api.NotificationSettings{}, err
			}
			return n.PatchSettings(ctx, user, ch)
		}),
		api.SubjectPushTokenAdd: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.PushTokenCreate) (api.PushToken, error) {
			return n.AddPushToken(ctx, user, in.Platform, in.Token)
		}),
		api.SubjectPushTokensList: bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ none) (api.PushTokenList, error) {
			return n.PushTokens(ctx, user)
		}),
		api.SubjectPushTokenDelete: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.PushTokenRef) (none, error) {
			id, err := bus.ParseID("path.id", in.ID)
			if err != nil {
				return none{}, err
			}
			return none{}, n.DeletePushToken(ctx, user, id)
		}),
	})
}

func muteGroup(ctx context.Context, n *service.Notify, user uuid.UUID, group string, mute bool) error {
	id, err := bus.ParseID("path.id", group)
	if err != nil {
		return err
	}
	return n.MuteGroup(ctx, user, id, mute)
}

// settingsChanges reads a merge patch of the settings: only quiet_hours
// may be null.
func settingsChanges(raw json.RawMessage) (service.SettingsChanges, error) {
	var ch service.SettingsChanges
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return ch, bus.Invalid("body", "not a settings patch: a JSON object")
	}
	for name, v := range fields {
		if name != "quiet_hours" && string(v) == "null" {
			return ch, bus.Invalid("body."+name, "can't be null (only quiet_hours can be cleared)")
		}
	}
	var p api.NotificationSettingsPatch
	if err := json.Unmarshal(raw, &p); err != nil {
		return ch, bus.Invalid("body", "not a settings patch: "+err.Error())
	}
	if p.MutedKinds != nil {
		kinds, err := notif.ParseKinds("muted_kinds", *p.MutedKinds)
		if err != nil {
			return ch, bus.FieldInvalid("body.", err)
		}
		ch.MutedKinds = &kinds
	}
	ch.PushEnabled = p.PushEnabled
	switch {
	case p.QuietHours.Null:
		ch.QuietHours = patch.Null[notif.QuietHours]()
	case p.QuietHours.Set:
		q, err := notif.ParseQuietHours("quiet_hours", p.QuietHours.Value.Start, p.QuietHours.Value.End)
		if err != nil {
			return ch, bus.FieldInvalid("body.", err)
		}
		ch.QuietHours = patch.Val(q)
	}
	return ch, nil
}
