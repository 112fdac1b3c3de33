package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

type notificationsInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
	Unread bool   `query:"unread" doc:"only unread notifications"`
}

type notificationIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the notification's id"`
}

type settingsPatchInput struct {
	Body settingsPatchBody
}

// settingsPatchBody keeps the PATCH body as it came (absent and null
// differ); the module decodes it into api.NotificationSettingsPatch after
// the front validated it against notificationSettingsPatch's schema.
type settingsPatchBody struct {
	raw json.RawMessage
}

// UnmarshalJSON keeps the bytes.
func (b *settingsPatchBody) UnmarshalJSON(data []byte) error {
	b.raw = slices.Clone(data)
	return nil
}

// Schema documents and validates the body as a notificationSettingsPatch.
func (settingsPatchBody) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[notificationSettingsPatch](), true, "NotificationSettingsPatch")
}

// notificationSettingsPatch is the documented shape of PATCH
// /v1/me/notification-settings: every field optional; quiet_hours null
// clears them.
type notificationSettingsPatch struct {
	MutedKinds  []string            `json:"muted_kinds,omitempty" nullable:"false" maxItems:"10" enum:"record,achievement,challenge_completed" doc:"replaces the list; [] for none"`
	PushEnabled *bool               `json:"push_enabled,omitempty"`
	QuietHours  *nullableQuietHours `json:"quiet_hours,omitempty" doc:"null: no quiet hours"`
}

// nullableQuietHours documents quiet hours that may be null (huma's
// nullable tag does not take a struct).
type nullableQuietHours api.QuietHoursSetting

// Schema is api.QuietHoursSetting's schema, inline, with null allowed.
func (nullableQuietHours) Schema(r huma.Registry) *huma.Schema {
	s := *huma.SchemaFromType(r, reflect.TypeFor[api.QuietHoursSetting]())
	s.Nullable = true
	return &s
}

// NotificationRoutes returns the notification operations: the inbox
// (/v1/notifications), group mutes (/v1/groups/{id}/mute) and the
// caller's settings (/v1/me/notification-settings); push tokens are in
// PushRoutes.
func NotificationRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		inboxOperations(a, nc)
		settingsOperations(a, nc)
	})
}

func inboxOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"notifications"}
	huma.Register(a, gw.DocumentRaw[api.NotificationList](a, huma.Operation{
		OperationID: "list-notifications", Method: http.MethodGet, Path: "/v1/notifications", Tags: tags,
		Summary: "Your notifications",
		Description: "Newest first, cursor-paginated, with the number of unread ones in the whole inbox. The personal " +
			"records of the members of your groups (and later their achievements and completed challenges): one per " +
			"fact, however many groups you share, unless you muted the kind or every group you share with them. " +
			"Online, the same notification also comes on notify.<your id> (GET /v1/realtime). Kept 90 days.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *notificationsInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectNotificationsList, api.NotificationListRequest{Limit: in.Limit,
			Cursor: in.Cursor, Unread: in.Unread})
	})
	huma.Register(a, huma.Operation{
		OperationID: "read-notification", Method: http.MethodPost, Path: "/v1/notifications/{id}/read", Tags: tags,
		Summary:       "Mark a notification read",
		Description:   "Marking it again changes nothing. 404 when it is not one of yours.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *notificationIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectNotificationRead, api.NotificationRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentRaw[api.NotificationsRead](a, huma.Operation{
		OperationID: "read-all-notifications", Method: http.MethodPost, Path: "/v1/notifications/read", Tags: tags,
		Summary:     "Mark all your notifications read",
		Description: "Every notification in your inbox now; marked says how many were unread.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectNotificationsReadAll, struct{}{})
	})
}

func settingsOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"notifications"}
	huma.Register(a, huma.Operation{
		OperationID: "mute-group", Method: http.MethodPut, Path: "/v1/groups/{id}/mute", Tags: tags,
		Summary: "Mute a group",
		Description: "No notification comes to you through this group (you still get those of members you share an " +
			"unmuted group with). Muting again changes nothing. 404 for a group you are not a member of.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *groupIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectGroupMute, api.GroupRef{ID: in.ID})
	})
	huma.Register(a, huma.Operation{
		OperationID: "unmute-group", Method: http.MethodDelete, Path: "/v1/groups/{id}/mute", Tags: tags,
		Summary:       "Unmute a group",
		Description:   "Its notifications come again. Unmuting a group you did not mute changes nothing; 404 for an unknown group.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *groupIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectGroupUnmute, api.GroupRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentRaw[api.NotificationSettings](a, huma.Operation{
		OperationID: "get-notification-settings", Method: http.MethodGet, Path: "/v1/me/notification-settings", Tags: tags,
		Summary:     "Your notification settings",
		Description: "Muted kinds and groups, push to your phones, and quiet hours in your profile's time zone.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectNotifySettingsGet, struct{}{})
	})
	huma.Register(a, gw.DocumentRaw[api.NotificationSettings](a, huma.Operation{
		OperationID: "update-notification-settings", Method: http.MethodPatch, Path: "/v1/me/notification-settings", Tags: tags,
		Summary: "Change your notification settings",
		Description: "A merge patch: muted_kinds (no notification of these kinds at all), push_enabled, quiet_hours " +
			"(start and end HH:MM in your time zone; no push then, the inbox and notify.<your id> still get everything; " +
			"null clears them). Groups are muted with PUT /v1/groups/{id}/mute.",
		MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
	}), func(ctx context.Context, in *settingsPatchInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectNotifySettingsPatch, in.Body.raw)
	})
}
