package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

func apnsToken(i int) string { return fmt.Sprintf("%064x", i+1) }

// Every notification endpoint refuses malformed, missing, out-of-range,
// oversized and unknown input with a problem naming the field, and
// changes nothing; unknown and foreign ids are 404; without a token, 401.
func TestNotificationBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	other := createGroup(t, a, ana, map[string]any{"name": "Ana's other"})
	join(t, a, bob, g.ID)
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-bad", recordSet(ana.id, uuid.NewString(), 1))
	sentAll(t, pool)
	bobsNotification := inbox(t, a, bob, "").Items[0].ID
	var anaToken, bobToken api.PushToken
	a.Do(http.MethodPost, "/v1/me/push-tokens", ana.token, map[string]any{"platform": "apns", "token": apnsToken(1)}).JSON(t, &anaToken)
	a.Do(http.MethodPost, "/v1/me/push-tokens", bob.token, map[string]any{"platform": "apns", "token": apnsToken(2)}).JSON(t, &bobToken)
	require.NotEmpty(t, anaToken.ID)

	long := func(n int) string { return strings.Repeat("a", n) }
	type bad struct {
		method, path string
		body         any
		status       int
		field        string
	}
	cases := []bad{
		// Inbox.
		{http.MethodGet, "/v1/notifications?limit=0", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/notifications?limit=101", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/notifications?limit=many", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/notifications?cursor=***", nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/notifications?cursor=AAAA", nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/notifications?cursor=" + long(65), nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/notifications?unread=perhaps", nil, 400, "query.unread"},
		{http.MethodPost, "/v1/notifications/nope/read", nil, 400, "path.id"},
		{http.MethodPost, "/v1/notifications/" + unknownID + "/read", nil, 404, ""},
		{http.MethodPost, "/v1/notifications/" + bobsNotification + "/read", nil, 404, ""},
		// Mutes.
		{http.MethodPut, "/v1/groups/nope/mute", nil, 400, "path.id"},
		{http.MethodPut, "/v1/groups/" + unknownID + "/mute", nil, 404, ""},
		{http.MethodDelete, "/v1/groups/nope/mute", nil, 400, "path.id"},
		{http.MethodDelete, "/v1/groups/" + unknownID + "/mute", nil, 404, ""},
		// Settings.
		{http.MethodPatch, "/v1/me/notification-settings", `{"muted_kinds": `, 400, "body"},
		{http.MethodPatch, "/v1/me/notification-settings", `[]`, 400, "body"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"muted_kinds": ["gossip"]}`, 400, "body.muted_kinds[0]"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"muted_kinds": "record"}`, 400, "body.muted_kinds"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"muted_kinds": null}`, 400, "body.muted_kinds"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"push_enabled": null}`, 400, "body.push_enabled"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"push_enabled": "yes"}`, 400, "body.push_enabled"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"quiet_hours": {"start": "22:00"}}`, 400, "body.quiet_hours.end"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"quiet_hours": {"start": "24:00", "end": "07:00"}}`, 400, "body.quiet_hours.start"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"quiet_hours": {"start": "7:00", "end": "08:00"}}`, 400, "body.quiet_hours.start"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"quiet_hours": {"start": "22:00", "end": "22:00"}}`, 400, "body.quiet_hours.end"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"quiet_hours": "22-07"}`, 400, "body.quiet_hours"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"time_zone": "Europe/Paris"}`, 400, "body.time_zone"},
		{http.MethodPatch, "/v1/me/notification-settings", `{"muted_kinds": ["` + long(5<<10) + `"]}`, 413, ""},
		// Push tokens.
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "apns"`, 400, "body"},
		{http.MethodPost, "/v1/me/push-tokens", `{}`, 400, "body.token"},
		{http.MethodPost, "/v1/me/push-tokens", `{"token": "` + apnsToken(3) + `"}`, 400, "body.platform"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "sms", "token": "` + apnsToken(3) + `"}`, 400, "body.platform"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "apns", "token": ""}`, 400, "body.token"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "apns", "token": "not hex at all, not even close to it, no no no no no no no no no"}`, 400, "body.token"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "apns", "token": "abc"}`, 400, "body.token"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "fcm", "token": "short"}`, 400, "body.token"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "fcm", "token": "` + long(40) + `<script>"}`, 400, "body.token"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "fcm", "token": "` + long(4097) + `"}`, 400, "body.token"},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "fcm", "token": "` + long(9<<10) + `"}`, 413, ""},
		{http.MethodPost, "/v1/me/push-tokens", `{"platform": "apns", "token": "` + apnsToken(3) + `", "extra": 1}`, 400, "body.extra"},
		{http.MethodDelete, "/v1/me/push-tokens/nope", nil, 400, "path.id"},
		{http.MethodDelete, "/v1/me/push-tokens/" + unknownID, nil, 404, ""},
		{http.MethodDelete, "/v1/me/push-tokens/" + bobToken.ID, nil, 404, ""},
	}
	var before api.NotificationSettings
	a.Do(http.MethodGet, "/v1/me/notification-settings", ana.token, nil).JSON(t, &before)
	for _, c := range cases {
		r := a.Do(c.method, c.path, ana.token, c.body)
		if !assert.Equal(t, c.status, r.Status, "%s %s %v: %s", c.method, c.path, c.body, r.Body) {
			continue
		}
		if c.field != "" {
			assert.Contains(t, r.Problem(t).Fields(), c.field, "%s %s %v", c.method, c.path, c.body)
		}
	}
	var after api.NotificationSettings
	a.Do(http.MethodGet, "/v1/me/notification-settings", ana.token, nil).JSON(t, &after)
	assert.Equal(t, before, after, "bad input changed nothing")
	var tokens api.PushTokenList
	a.Do(http.MethodGet, "/v1/me/push-tokens", ana.token, nil).JSON(t, &tokens)
	assert.Len(t, tokens.Items, 1, "no token added")
	a.Do(http.MethodGet, "/v1/me/push-tokens", bob.token, nil).JSON(t, &tokens)
	assert.Len(t, tokens.Items, 1, "bob's token is still there")
	assert.Equal(t, 1, inbox(t, a, bob, "").UnreadCount, "bob's notification was not marked by ana")
	// Muting a group one is not a member of: 404, nothing muted.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPut, "/v1/groups/"+other.ID+"/mute", bob.token, nil).Status)
	var s api.NotificationSettings
	a.Do(http.MethodGet, "/v1/me/notification-settings", bob.token, nil).JSON(t, &s)
	assert.Empty(t, s.MutedGroups)

	// Without a token, nothing.
	for _, c := range [][2]string{{http.MethodGet, "/v1/notifications"}, {http.MethodPost, "/v1/notifications/read"},
		{http.MethodPost, "/v1/notifications/" + bobsNotification + "/read"}, {http.MethodPut, "/v1/groups/" + g.ID + "/mute"},
		{http.MethodDelete, "/v1/groups/" + g.ID + "/mute"}, {http.MethodGet, "/v1/me/notification-settings"},
		{http.MethodPatch, "/v1/me/notification-settings"}, {http.MethodGet, "/v1/me/push-tokens"},
		{http.MethodPost, "/v1/me/push-tokens"}, {http.MethodDelete, "/v1/me/push-tokens/" + bobToken.ID}} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(c[0], c[1], "", nil).Status, c)
	}
	assert.Equal(t, 1, inbox(t, a, bob, "").UnreadCount)
}

// Push tokens: listed newest first by their end only; registering one
// again keeps its id; another user's device token moves to the caller;
// the count is bounded, also under concurrent registrations; delete.
func TestPushTokens(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")
	add := func(u user, platform, token string) (api.PushToken, int) {
		t.Helper()
		r := a.Do(http.MethodPost, "/v1/me/push-tokens", u.token, map[string]any{"platform": platform, "token": token})
		var p api.PushToken
		if r.Status == http.StatusCreated {
			r.JSON(t, &p)
		}
		return p, r.Status
	}
	list := func(u user) []api.PushToken {
		var l api.PushTokenList
		a.Do(http.MethodGet, "/v1/me/push-tokens", u.token, nil).JSON(t, &l)
		return l.Items
	}
	first, status := add(ana, "apns", strings.ToUpper(apnsToken(0)))
	require.Equal(t, http.StatusCreated, status)
	assert.Equal(t, "apns", first.Platform)
	assert.Equal(t, apnsToken(0)[56:], first.TokenEnd, "kept in lower case, shown by its end")
	again, status := add(ana, "apns", apnsToken(0))
	require.Equal(t, http.StatusCreated, status)
	assert.Equal(t, first.ID, again.ID, "the same device")
	fcm := "dGVzdA:APA91b" + strings.Repeat("x_Y-z", 30)
	second, _ := add(ana, "fcm", fcm)
	items := list(ana)
	require.Len(t, items, 2)
	assert.Equal(t, second.ID, items[0].ID, "newest first")
	assert.Equal(t, fcm[len(fcm)-8:], items[0].TokenEnd, "never the whole token")

	// bob signs in on ana's phone: the token is his now.
	moved, status := add(bob, "apns", apnsToken(0))
	require.Equal(t, http.StatusCreated, status)
	assert.Equal(t, first.ID, moved.ID)
	assert.Len(t, list(ana), 1)
	assert.Len(t, list(bob), 1)

	// At most 10, also when 16 come at once.
	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, statuses[i] = add(ana, "apns", apnsToken(100+i))
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		default:
			assert.Equal(t, http.StatusConflict, s)
		}
	}
	assert.Equal(t, 9, created, "one was there: nine more")
	assert.Len(t, list(ana), 10)
	_, status = add(ana, "fcm", fcm)
	assert.Equal(t, http.StatusCreated, status, "one she has may be registered again at the limit")

	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me/push-tokens/"+second.ID, ana.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/me/push-tokens/"+second.ID, ana.token, nil).Status)
	assert.Len(t, list(ana), 9)
}

// A deleted account's inbox, settings, mutes and push tokens go, and so
// do the notifications that told others of it; others' stay.
func TestDeletedUserNotificationsGo(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob, cat := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	join(t, a, bob, g.ID)
	join(t, a, cat, g.ID)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, "/v1/groups/"+g.ID+"/mute", bob.token, nil).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me/notification-settings", bob.token,
		map[string]any{"push_enabled": false}).Status)
	require.Equal(t, http.StatusCreated, a.Do(http.MethodPost, "/v1/me/push-tokens", bob.token,
		map[string]any{"platform": "apns", "token": apnsToken(9)}).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID+"/mute", bob.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, "/v1/groups/"+g.ID+"/mute", bob.token, nil).Status)
	anaSession, catSession := uuid.NewString(), uuid.NewString()
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-ana", recordSet(ana.id, anaSession, 1))
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-cat", recordSet(cat.id, catSession, 1))
	sentAll(t, pool)
	require.Len(t, inbox(t, a, cat, "").Items, 1, "ana's record")
	require.Len(t, inbox(t, a, ana, "").Items, 1, "cat's record")

	count := func(table string) int {
		var n int
		require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM social."+table+" WHERE user_id = $1", bob.id).Scan(&n))
		return n
	}
	require.Equal(t, 1, count("push_tokens"))
	require.Equal(t, 1, count("group_mutes"))
	require.Equal(t, 1, count("notif_settings"))

	// bob goes: his settings, mutes and tokens.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", bob.token, map[string]any{"password": apptest.Password}).Status)
	require.Eventually(t, func() bool { return count("push_tokens") == 0 }, 10*time.Second, 20*time.Millisecond)
	assert.Zero(t, count("group_mutes"))
	assert.Zero(t, count("notif_settings"))

	// ana goes: the notification of her record leaves cat's inbox; cat's
	// stays in nobody's (ana's inbox is gone with her).
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana.token, map[string]any{"password": apptest.Password}).Status)
	require.Eventually(t, func() bool { return len(inbox(t, a, cat, "").Items) == 0 }, 10*time.Second, 20*time.Millisecond)
	var page api.ChatPage
	a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/messages", cat.token, nil).JSON(t, &page)
	deleted := map[string]bool{}
	for _, m := range page.Items {
		if m.SenderID == uuid.Nil.String() {
			deleted[m.TxnID] = m.Deleted
		}
	}
	assert.Equal(t, map[string]bool{"record:" + anaSession: true, "record:" + catSession: false}, deleted,
		"ana's record's system message is a tombstone; cat's stays")
	var left int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM social.notifications WHERE recipient_id = $1", ana.id).Scan(&left))
	assert.Zero(t, left)
	var events int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM social.notif_events WHERE actor_id = $1", ana.id).Scan(&events))
	assert.Zero(t, events)
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM social.notif_events WHERE actor_id = $1", cat.id).Scan(&events))
	assert.Equal(t, 1, events, "cat's record is still a notification (of nobody's now)")
}
