package api

import (
	"time"

	"github.com/athlos/athlos/internal/kit/patch"
)

// Subjects of the notification operations (they need a caller).
const (
	SubjectNotificationsList    = "rpc.social.notifications.list"     // NotificationListRequest → NotificationList
	SubjectNotificationRead     = "rpc.social.notifications.read"     // NotificationRef → {}
	SubjectNotificationsReadAll = "rpc.social.notifications.read_all" // {} → NotificationsRead

	SubjectGroupMute   = "rpc.social.groups.mute"   // GroupRef → {}
	SubjectGroupUnmute = "rpc.social.groups.unmute" // GroupRef → {}

	SubjectNotifySettingsGet   = "rpc.social.notify_settings.get"   // {} → NotificationSettings
	SubjectNotifySettingsPatch = "rpc.social.notify_settings.patch" // NotificationSettingsPatch (raw merge patch) → NotificationSettings

	SubjectPushTokenAdd    = "rpc.social.push_tokens.add"    // PushTokenCreate → PushToken
	SubjectPushTokensList  = "rpc.social.push_tokens.list"   // {} → PushTokenList
	SubjectPushTokenDelete = "rpc.social.push_tokens.delete" // PushTokenRef → {}
)

// SubjectNotify is the prefix of notify.<user>: a user's notifications,
// each a Notification (stream NOTIFY; bus.SubjectNotify).
const SubjectNotify = "notify."

// NotifySubject is the subject of user's notifications.
func NotifySubject(user string) string { return SubjectNotify + user }

// Kinds of notifications.
const (
	NotifyRecord             = "record"
	NotifyAchievement        = "achievement"
	NotifyChallengeCompleted = "challenge_completed"
	// NotifyExportReady: the recipient's own data export is ready (actor:
	// the recipient).
	NotifyExportReady = "export_ready"
)

// NotificationActor is the member a notification tells of.
type NotificationActor struct {
	UserID      string `json:"user_id" format:"uuid"`
	DisplayName string `json:"display_name" doc:"as the member's profile names them now (empty when not known yet)"`
}

// Notification is one notification, in the inbox and on notify.<user>.
type Notification struct {
	ID        string            `json:"id" format:"uuid" doc:"the same for every recipient of the fact"`
	Kind      string            `json:"kind" enum:"record,achievement,challenge_completed,export_ready"`
	Actor     NotificationActor `json:"actor"`
	CreatedAt time.Time         `json:"created_at" doc:"when the notification was made"`
	Read      bool              `json:"read"`
	ReadAt    *time.Time        `json:"read_at,omitempty"`
	// Data are the kind's details: for record, session_id, sport,
	// started_at and records (each kind best_effort with distance_m and
	// value in seconds, or e1rm or max_weight with exercise and value in
	// kg, and previous); for achievement and challenge_completed, what
	// the gamification module told.
	Data map[string]any `json:"data" doc:"the kind's details: for record {session_id, sport, started_at, set_at, records: [{kind, distance_m | exercise, value, previous}]}; for achievement {achievement_id, name, name_key, tier, tier_name?, repetition?, points, unlocked_at}; for challenge_completed {challenge_id, title, kind, value, unit, rank?, group_id?, team_id?, completed_at}; for export_ready (your own export; actor: you) {export_id, size_bytes, ready_at, expires_at, download_url}"`
}

// NotificationListRequest asks for a page of the caller's inbox.
type NotificationListRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Unread bool   `json:"unread,omitempty"`
}

// NotificationList is a page of the inbox, newest first, with the count of
// unread notifications.
type NotificationList struct {
	Items       []Notification `json:"items"`
	NextCursor  *string        `json:"next_cursor"`
	UnreadCount int            `json:"unread_count" doc:"unread notifications in the whole inbox"`
}

// NotificationRef names one of the caller's notifications.
type NotificationRef struct {
	ID string `json:"id"`
}

// NotificationsRead answers mark-all-read.
type NotificationsRead struct {
	Marked      int `json:"marked" doc:"notifications marked read by this call"`
	UnreadCount int `json:"unread_count"`
}

// QuietHoursSetting is a daily span of local time without pushes.
type QuietHoursSetting struct {
	Start string `json:"start" pattern:"^([01][0-9]|2[0-3]):[0-5][0-9]$" example:"22:00" doc:"HH:MM, your time zone"`
	End   string `json:"end" pattern:"^([01][0-9]|2[0-3]):[0-5][0-9]$" example:"07:00" doc:"HH:MM, your time zone; before start spans midnight"`
}

// NotificationSettings are the caller's notification settings.
type NotificationSettings struct {
	MutedKinds  []string           `json:"muted_kinds" enum:"record,achievement,challenge_completed,export_ready" doc:"kinds you get no notification of"`
	MutedGroups []string           `json:"muted_groups" doc:"ids of your groups you muted (PUT /v1/groups/{id}/mute)"`
	PushEnabled bool               `json:"push_enabled" doc:"push to your phones at all"`
	QuietHours  *QuietHoursSetting `json:"quiet_hours,omitempty" doc:"no push in this span of your local time (absent: none); the inbox and notify.<your id> still get everything"`
	TimeZone    string             `json:"time_zone" doc:"your profile's time zone (PATCH /v1/me), which quiet hours follow"`
}

// NotificationSettingsPatch is a merge patch of the settings: absent
// fields stay, quiet_hours null clears them.
type NotificationSettingsPatch struct {
	MutedKinds  *[]string                      `json:"muted_kinds,omitempty"`
	PushEnabled *bool                          `json:"push_enabled,omitempty"`
	QuietHours  patch.Field[QuietHoursSetting] `json:"quiet_hours,omitzero"`
}

// PushTokenCreate registers a phone's push device token.
type PushTokenCreate struct {
	Token    string `json:"token" minLength:"1" maxLength:"4096" doc:"APNs device token (hex) or FCM registration token"`
	Platform string `json:"platform" enum:"apns,fcm"`
}

// PushToken is a registered device token; the token itself is shown only
// by its end.
type PushToken struct {
	ID        string    `json:"id" format:"uuid"`
	Platform  string    `json:"platform" enum:"apns,fcm"`
	TokenEnd  string    `json:"token_end" doc:"the token's last 8 characters, to tell devices apart"`
	CreatedAt time.Time `json:"created_at"`
}

// PushTokenList lists the caller's device tokens, newest first.
type PushTokenList struct {
	Items []PushToken `json:"items"`
}

// PushTokenRef names one of the caller's device tokens.
type PushTokenRef struct {
	ID string `json:"id"`
}
