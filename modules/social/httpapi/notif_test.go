package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/asyncapitest"
	"github.com/athlos/athlos/modules"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/social"
	"github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// internalJS is a connection of Athlos's own (the service user), for
// publishing what another module would.
func internalJS(t testing.TB, a *apptest.App) *bus.Conn {
	t.Helper()
	conn, err := bus.Connect(context.Background(), bus.ConnConfig{Name: "test", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(conn.NC.Close)
	return conn
}

// recordSet is a record.set event of user's session (visibility
// followers) with n best efforts.
func recordSet(user, session string, n int) trainingapi.RecordSet {
	ev := trainingapi.RecordSet{UserID: user, SessionID: session, Sport: "run", Visibility: "followers",
		StartedAt: time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC), SetAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)}
	for i := range n {
		ev.Records = append(ev.Records, trainingapi.RecordNew{Kind: "best_effort", DistanceM: float64(1000 * (i + 1)),
			Value: float64(240 * (i + 1)), Previous: float64(250 * (i + 1))})
	}
	return ev
}

// publishEvent publishes ev on subject with msgID as training's outbox
// relay would, and waits until the social module's consumer has applied
// it (its id is in social.processed_messages for the consumer of subject;
// the feed's consumer of record.set keeps its own).
func publishEvent(t testing.TB, a *apptest.App, conn *bus.Conn, pool *pgxpool.Pool, subject, msgID string, ev any) {
	t.Helper()
	ctx := context.Background()
	data, err := json.Marshal(ev)
	require.NoError(t, err)
	_, err = conn.JS.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: data}, jetstream.WithMsgID(msgID))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM social.processed_messages WHERE msg_id = $1 AND consumer = $2`,
			msgID, bus.ConsumerName(api.Module, subject)).Scan(&n))
		return n == 1
	}, 15*time.Second, 10*time.Millisecond, "the social module applies %s", msgID)
}

// sentAll waits until the relay has sent every notification written
// (social.notif_outbox is empty).
func sentAll(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM social.notif_outbox`).Scan(&n))
		return n == 0
	}, 15*time.Second, 10*time.Millisecond, "the relay sends the notifications")
}

func inbox(t testing.TB, a *apptest.App, u user, query string) api.NotificationList {
	t.Helper()
	r := a.Do(http.MethodGet, "/v1/notifications"+query, u.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var l api.NotificationList
	r.JSON(t, &l)
	return l
}

// notifyCount is how many messages stream NOTIFY holds for user.
func notifyCount(t testing.TB, conn *bus.Conn, userID string) uint64 {
	t.Helper()
	st, err := conn.JS.Stream(context.Background(), bus.StreamNotify)
	require.NoError(t, err)
	subject := api.NotifySubject(userID)
	info, err := st.Info(context.Background(), jetstream.WithSubjectFilter(subject))
	require.NoError(t, err)
	return info.State.Subjects[subject]
}

func join(t testing.TB, a *apptest.App, u user, group string) {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/groups/"+group+"/join", u.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

func appPool(t testing.TB, a *apptest.App) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), a.DBURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// A record reaches each member of the athlete's groups once, however many
// groups they share; not the athlete, not a stranger, not those who muted
// the kind or every group they share with the athlete. The same event
// again, under its message id or a new one, reaches nobody twice, in the
// inbox or on NOTIFY.
func TestRecordFanOutWithMutesAndSeveralGroups(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob, cat, dan, eve, fay, gus := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"),
		signUp(t, a, "cat@example.com"), signUp(t, a, "dan@example.com"), signUp(t, a, "eve@example.com"),
		signUp(t, a, "fay@example.com"), signUp(t, a, "gus@example.com")
	g1 := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	g2 := createGroup(t, a, ana, map[string]any{"name": "Track Tuesdays"})
	g3 := createGroup(t, a, bob, map[string]any{"name": "Bob's own"}) // ana is not in it
	for _, g := range []string{g1.ID, g2.ID} {
		join(t, a, bob, g)
		join(t, a, eve, g)
	}
	join(t, a, cat, g1.ID)
	join(t, a, dan, g1.ID)
	join(t, a, gus, g1.ID)
	join(t, a, fay, g3.ID)
	// cat mutes the one group she shares with ana; eve mutes one of two;
	// dan mutes records.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, "/v1/groups/"+g1.ID+"/mute", cat.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, "/v1/groups/"+g1.ID+"/mute", eve.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, "/v1/groups/"+g1.ID+"/mute", eve.token, nil).Status, "again")
	r := a.Do(http.MethodPatch, "/v1/me/notification-settings", dan.token, map[string]any{"muted_kinds": []string{"record"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	// Everyone's app is connected but gus's.
	online(t, a, ana, bob, cat, dan, eve, fay)

	session := uuid.NewString()
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-1", recordSet(ana.id, session, 2))
	sentAll(t, pool)
	got := func(u user) int { return len(inbox(t, a, u, "").Items) }
	assert.Equal(t, 1, got(bob), "two groups with ana: one notification")
	assert.Equal(t, 1, got(eve), "one of two groups muted: the other still tells")
	assert.Zero(t, got(cat), "muted the only group she shares with ana")
	assert.Zero(t, got(dan), "muted records")
	assert.Zero(t, got(fay), "not in ana's groups")
	assert.Zero(t, got(ana), "not of her own record")
	assert.Equal(t, 1, got(gus), "offline: in the inbox")

	n := inbox(t, a, bob, "").Items[0]
	assert.Equal(t, "record", n.Kind)
	assert.Equal(t, ana.id, n.Actor.UserID)
	assert.False(t, n.Read)
	assert.Equal(t, session, n.Data["session_id"])
	assert.Equal(t, "run", n.Data["sport"])
	assert.Len(t, n.Data["records"], 2)
	assert.Equal(t, uint64(1), notifyCount(t, conn, bob.id))
	assert.Equal(t, uint64(1), notifyCount(t, conn, eve.id))
	assert.Zero(t, notifyCount(t, conn, cat.id))
	assert.Zero(t, notifyCount(t, conn, gus.id), "offline: no message, the app reads its inbox when it connects")

	// Redelivered: the same message id (JetStream drops it), and the same
	// fact published again under a new id (the consumer sees it; the key
	// (recipient, source, kind) keeps it out).
	data, err := json.Marshal(recordSet(ana.id, session, 2))
	require.NoError(t, err)
	ack, err := conn.JS.PublishMsg(context.Background(), &nats.Msg{Subject: trainingapi.EventRecordSet, Data: data},
		jetstream.WithMsgID("rec-1"))
	require.NoError(t, err)
	assert.True(t, ack.Duplicate)
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-1-again", recordSet(ana.id, session, 2))
	sentAll(t, pool)
	assert.Equal(t, 1, got(bob))
	assert.Equal(t, 1, got(eve))
	assert.Equal(t, uint64(1), notifyCount(t, conn, bob.id), "nothing sent twice")

	// Each of ana's groups has one system message of it in its chat (sender
	// the nil UUID), whatever the mutes and the redelivery; bob's own group
	// has none.
	system := func(g string) []api.ChatMessage {
		var page api.ChatPage
		r := a.Do(http.MethodGet, "/v1/groups/"+g+"/messages", ana.token, nil)
		if g == g3.ID {
			r = a.Do(http.MethodGet, "/v1/groups/"+g+"/messages", bob.token, nil)
		}
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &page)
		var out []api.ChatMessage
		for _, m := range page.Items {
			if m.SenderID == uuid.Nil.String() {
				out = append(out, m)
			}
		}
		return out
	}
	for _, g := range []string{g1.ID, g2.ID} {
		ms := system(g)
		require.Len(t, ms, 1, "one system message per group and fact")
		assert.Contains(t, ms[0].Text, "set 2 personal records")
		assert.Equal(t, "record:"+session, ms[0].TxnID)
	}
	assert.Empty(t, system(g3.ID))

	// Unmuting brings the next ones; a new session is a new fact.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g1.ID+"/mute", cat.token, nil).Status)
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-2", recordSet(ana.id, uuid.NewString(), 1))
	sentAll(t, pool)
	assert.Equal(t, 1, got(cat))
	assert.Equal(t, 2, got(bob))
	assert.Zero(t, got(dan))

	// The settings show the mutes.
	var s api.NotificationSettings
	a.Do(http.MethodGet, "/v1/me/notification-settings", eve.token, nil).JSON(t, &s)
	assert.Equal(t, []string{g1.ID}, s.MutedGroups)
	assert.Empty(t, s.MutedKinds)
	a.Do(http.MethodGet, "/v1/me/notification-settings", dan.token, nil).JSON(t, &s)
	assert.Equal(t, []string{"record"}, s.MutedKinds)

	// An event without records, or with ids that are not UUIDs, notifies
	// nobody (the malformed one is terminated, not retried).
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-empty", recordSet(ana.id, uuid.NewString(), 0))
	for i, bad := range []string{`{"user_id": "nope", "session_id": "` + uuid.NewString() + `", "records": [{}]}`, `not json`,
		`{"user_id": "` + ana.id + `", "session_id": 7}`} {
		_, err := conn.JS.PublishMsg(context.Background(), &nats.Msg{Subject: trainingapi.EventRecordSet, Data: []byte(bad)},
			jetstream.WithMsgID(fmt.Sprintf("rec-malformed-%d", i)))
		require.NoError(t, err)
	}
	// The consumer goes on past them: the next good event is applied.
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-after-bad", recordSet(ana.id, uuid.NewString(), 1))
	sentAll(t, pool)
	assert.Equal(t, 3, got(bob), "the empty and the malformed events notified nobody")
}

// The inbox pages newest first by cursor, counts the unread ones, and
// marks one or all read; another user's notification is not found.
func TestInboxPagingAndRead(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob, cat := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	join(t, a, bob, g.ID)
	const total = 45
	sessions := make([]string, total)
	for i := range sessions {
		sessions[i] = uuid.NewString()
		publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, fmt.Sprintf("rec-%d", i), recordSet(ana.id, sessions[i], 1))
	}
	sentAll(t, pool)

	var all []api.Notification
	cursor, pages := "", 0
	for {
		q := "?limit=20"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		l := inbox(t, a, bob, q)
		pages++
		assert.Equal(t, total, l.UnreadCount)
		all = append(all, l.Items...)
		if l.NextCursor == nil {
			break
		}
		cursor = *l.NextCursor
	}
	assert.Equal(t, 3, pages)
	require.Len(t, all, total)
	for i, n := range all {
		assert.Equal(t, sessions[total-1-i], n.Data["session_id"], "newest first, each once")
	}

	// Read one: the count drops, it says so, and again changes nothing.
	id := all[3].ID
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/notifications/"+id+"/read", bob.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/notifications/"+id+"/read", bob.token, nil).Status)
	l := inbox(t, a, bob, "?limit=5")
	assert.Equal(t, total-1, l.UnreadCount)
	assert.True(t, l.Items[3].Read)
	require.NotNil(t, l.Items[3].ReadAt)
	assert.False(t, l.Items[2].Read)
	unread := inbox(t, a, bob, "?unread=true&limit=100")
	assert.Len(t, unread.Items, total-1)
	for _, n := range unread.Items {
		assert.NotEqual(t, id, n.ID)
	}

	// Another user's notification, and an unknown one: 404, nothing marked.
	r := a.Do(http.MethodPost, "/v1/notifications/"+all[0].ID+"/read", cat.token, nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/notifications/"+uuid.NewString()+"/read", bob.token, nil).Status)
	assert.Equal(t, total-1, inbox(t, a, bob, "").UnreadCount)

	// Read all.
	var done api.NotificationsRead
	r = a.Do(http.MethodPost, "/v1/notifications/read", bob.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &done)
	assert.Equal(t, total-1, done.Marked)
	assert.Zero(t, done.UnreadCount)
	assert.Zero(t, inbox(t, a, bob, "").UnreadCount)
	assert.Empty(t, inbox(t, a, bob, "?unread=true").Items)
	a.Do(http.MethodPost, "/v1/notifications/read", bob.token, nil).JSON(t, &done)
	assert.Zero(t, done.Marked, "again: nothing left")
}

// Online, a notification comes on the recipient's notify.<user> over NATS
// WebSocket, and never on another user's: a user may not subscribe to
// another's subject, and a wildcard catches only their own.
func TestNotificationsOnlineOverWebSocket(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob, cat := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	other := createGroup(t, a, cat, map[string]any{"name": "Cat's"})
	join(t, a, bob, g.ID)
	join(t, a, ana, other.ID)

	apps := online(t, a, bob, cat)
	bobConn, catConn := apps[0], apps[1]
	bobSub, err := bobConn.nc.SubscribeSync(api.NotifySubject(bob.id))
	require.NoError(t, err)
	bobChat, err := bobConn.nc.SubscribeSync(api.ChatSubject(g.ID))
	require.NoError(t, err)
	catSub, err := catConn.nc.SubscribeSync(api.NotifySubject(cat.id))
	require.NoError(t, err)
	// cat tries bob's subject and every user's: the server refuses the
	// first, and the wildcard delivers nothing of bob's.
	spy, err := catConn.nc.SubscribeSync(api.NotifySubject(bob.id))
	require.NoError(t, err)
	wild, err := catConn.nc.SubscribeSync(api.SubjectNotify + ">")
	require.NoError(t, err)
	require.NoError(t, bobConn.nc.Flush())
	require.NoError(t, catConn.nc.Flush())

	session := uuid.NewString()
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-online", recordSet(ana.id, session, 1))
	m, err := bobSub.NextMsg(10 * time.Second)
	require.NoError(t, err)
	async, err := modules.AsyncAPI()
	require.NoError(t, err)
	asyncapitest.Load(t, async).Payload(t, "notification", m.Data)
	var n api.Notification
	require.NoError(t, json.Unmarshal(m.Data, &n))
	assert.Equal(t, "record", n.Kind)
	assert.Equal(t, session, n.Data["session_id"])
	assert.Equal(t, inbox(t, a, bob, "").Items[0].ID, n.ID, "the inbox's notification")

	// cat is in no group of ana's that she... she is: ana joined cat's
	// group. So cat gets her own, on her own subject only.
	mc, err := catSub.NextMsg(10 * time.Second)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(mc.Data, &n))
	assert.Equal(t, session, n.Data["session_id"])
	_, err = spy.NextMsg(300 * time.Millisecond)
	assert.Error(t, err, "another user's notifications never reach cat")
	for {
		w, err := wild.NextMsg(300 * time.Millisecond)
		if err != nil {
			break
		}
		assert.Equal(t, api.NotifySubject(cat.id), w.Subject, "a wildcard reaches only her own")
	}
	assert.NotEmpty(t, catConn.errors(), "subscribing to another's subject is a permissions violation")
	_, err = bobSub.NextMsg(300 * time.Millisecond)
	assert.Error(t, err, "one message per notification")

	// The group's chat tells of it too: a system message on chat.<group>
	// (published once the relay has sent the notification).
	cm, err := bobChat.NextMsg(15 * time.Second)
	require.NoError(t, err)
	var ev api.ChatEvent
	require.NoError(t, json.Unmarshal(cm.Data, &ev))
	assert.Equal(t, api.ChatMessageCreated, ev.Kind)
	assert.Equal(t, uuid.Nil.String(), ev.Message.SenderID)
	assert.Contains(t, ev.Message.Text, "set a personal record")
}

// Quiet hours, read in the user's time zone by the module's clock (fixed
// here): no push in them, the inbox and NOTIFY still get it; outside them
// every registered device gets one push; push_enabled false stops them.
func TestQuietHoursAndPush(t *testing.T) {
	t.Parallel()
	rec := &recordingPusher{}
	// 23:30 in Berlin (UTC+1 in December).
	now := time.Date(2026, 12, 7, 22, 30, 0, 0, time.UTC)
	a := apptest.StartConfig(t, func(_ *platform.Config, c *modules.Configs) {
		c.Social = social.Config{Pusher: rec, Now: func() time.Time { return now }}
	}, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob, cat := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	join(t, a, bob, g.ID)
	join(t, a, cat, g.ID)
	// bob lives in Berlin (his profile), cat in New York (17:30 there).
	for u, tz := range map[user]string{bob: "Europe/Berlin", cat: "America/New_York"} {
		r := a.Do(http.MethodPatch, "/v1/me", u.token, map[string]any{"time_zone": tz})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	require.Eventually(t, func() bool {
		var s1, s2 api.NotificationSettings
		a.Do(http.MethodGet, "/v1/me/notification-settings", bob.token, nil).JSON(t, &s1)
		a.Do(http.MethodGet, "/v1/me/notification-settings", cat.token, nil).JSON(t, &s2)
		return s1.TimeZone == "Europe/Berlin" && s2.TimeZone == "America/New_York"
	}, 10*time.Second, 20*time.Millisecond, "the time zones come from the profile events")
	for _, u := range []user{bob, cat} {
		var s api.NotificationSettings
		r := a.Do(http.MethodPatch, "/v1/me/notification-settings", u.token,
			map[string]any{"quiet_hours": map[string]string{"start": "22:00", "end": "07:00"}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &s)
		require.NotNil(t, s.QuietHours)
		assert.Equal(t, "22:00", s.QuietHours.Start)
	}
	bobToken := "ab" + fmt.Sprintf("%062x", 1)
	catToken := "fcm-token_" + fmt.Sprintf("%040d", 7)
	for u, tok := range map[user][2]string{bob: {"apns", bobToken}, cat: {"fcm", catToken}} {
		r := a.Do(http.MethodPost, "/v1/me/push-tokens", u.token, map[string]any{"platform": tok[0], "token": tok[1]})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	online(t, a, bob)

	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-quiet", recordSet(ana.id, uuid.NewString(), 1))
	sentAll(t, pool)
	pushed := rec.take()
	require.Len(t, pushed, 1, "bob is in his quiet hours, cat is not")
	assert.Equal(t, cat.id, pushed[0].UserID)
	assert.Equal(t, catToken, pushed[0].Token)
	assert.Equal(t, "fcm", pushed[0].Platform)
	assert.Equal(t, "New personal record", pushed[0].Title)
	assert.Len(t, inbox(t, a, bob, "").Items, 1, "the inbox has it in quiet hours")
	assert.Equal(t, uint64(1), notifyCount(t, conn, bob.id), "and NOTIFY")

	// Quiet hours cleared: bob gets pushes; cat turned push off.
	r := a.Do(http.MethodPatch, "/v1/me/notification-settings", bob.token, map[string]any{"quiet_hours": nil})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodPatch, "/v1/me/notification-settings", cat.token, map[string]any{"push_enabled": false})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var s api.NotificationSettings
	r.JSON(t, &s)
	assert.NotNil(t, s.QuietHours, "a patch leaves the other fields")
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-loud", recordSet(ana.id, uuid.NewString(), 3))
	sentAll(t, pool)
	pushed = rec.take()
	require.Len(t, pushed, 1)
	assert.Equal(t, bob.id, pushed[0].UserID)
	assert.Equal(t, bobToken, pushed[0].Token)
	assert.Contains(t, pushed[0].Body, "set 3 personal records")
}

// appConn connects to NATS over WebSocket as the app does, with the
// user's access token; errors the server sends (permission violations)
// are collected.
type appConn struct {
	nc   *nats.Conn
	mu   sync.Mutex
	errs []error
}

func connectApp(t *testing.T, a *apptest.App, token, userID string) *appConn {
	t.Helper()
	c := &appConn{}
	nc, err := nats.Connect(a.WebSocketURL, nats.Token(token), nats.CustomInboxPrefix(bus.AppInboxPrefix(userID)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.errs = append(c.errs, err)
		}))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	c.nc = nc
	return c
}

// online connects users' apps (connectApp) and waits until the
// notification relay knows them online (athlos_social_app_users_online
// grew by as many): only online users get notify.<user> messages.
func online(t *testing.T, a *apptest.App, users ...user) []*appConn {
	t.Helper()
	before := onlineCount(t, a)
	conns := make([]*appConn, len(users))
	for i, u := range users {
		conns[i] = connectApp(t, a, u.token, u.id)
	}
	require.Eventually(t, func() bool { return onlineCount(t, a) >= before+len(users) }, 10*time.Second, 10*time.Millisecond,
		"the relay learns that the apps connected")
	return conns
}

// onlineCount reads athlos_social_app_users_online from /metrics.
func onlineCount(t testing.TB, a *apptest.App) int {
	t.Helper()
	r := a.Do(http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	for line := range strings.Lines(string(r.Body)) {
		if v, ok := strings.CutPrefix(line, "athlos_social_app_users_online "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			require.NoError(t, err)
			return n
		}
	}
	t.Fatal("no athlos_social_app_users_online in /metrics")
	return 0
}

func (c *appConn) errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

// recordingPusher keeps what it is asked to push.
type recordingPusher struct {
	mu   sync.Mutex
	msgs []social.PushMessage
}

func (p *recordingPusher) Push(_ context.Context, msgs []social.PushMessage) []social.PushResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, msgs...)
	return make([]social.PushResult, len(msgs))
}

func (p *recordingPusher) take() []social.PushMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.msgs
	p.msgs = nil
	return out
}

// End to end: a member's second, heavier squat session is a strength
// record in the training module (evt.training.record.set), and the other
// member of her group hears of it, in the inbox and online.
func TestTrainingRecordReachesGroup(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social")
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Barbell Club", "sports": []string{"strength"}})
	join(t, a, bob, g.ID)
	bobConn := online(t, a, bob)[0]
	sub, err := bobConn.nc.SubscribeSync(api.NotifySubject(bob.id))
	require.NoError(t, err)
	require.NoError(t, bobConn.nc.Flush())

	var exercises struct {
		Items []trainingapi.Exercise `json:"items"`
	}
	a.Do(http.MethodGet, "/v1/exercises?limit=100", ana.token, nil).JSON(t, &exercises)
	var squat string
	for _, e := range exercises.Items {
		if e.Key != nil && *e.Key == "back_squat" {
			squat = e.ID
		}
	}
	require.NotEmpty(t, squat)
	lift := func(at time.Time, kg float64) string {
		t.Helper()
		sets := []map[string]any{}
		for range 5 {
			sets = append(sets, map[string]any{"reps": 5, "weight_kg": kg})
		}
		r := a.Do(http.MethodPost, "/v1/sessions", ana.token, map[string]any{"sport": "strength", "started_at": at.Format(time.RFC3339),
			"elapsed_time_s": 3000, "perceived_effort": 7, "exercises": []map[string]any{{"exercise_id": squat, "sets": sets}}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var s struct {
			ID string `json:"id"`
		}
		r.JSON(t, &s)
		return s.ID
	}
	lift(time.Now().Add(-26*time.Hour), 100)
	second := lift(time.Now().Add(-2*time.Hour), 110)

	m, err := sub.NextMsg(20 * time.Second)
	require.NoError(t, err, "the record reaches bob online")
	var n api.Notification
	require.NoError(t, json.Unmarshal(m.Data, &n))
	assert.Equal(t, "record", n.Kind)
	assert.Equal(t, ana.id, n.Actor.UserID)
	assert.Equal(t, second, n.Data["session_id"])
	assert.Equal(t, "strength", n.Data["sport"])
	l := inbox(t, a, bob, "")
	require.Len(t, l.Items, 1, "the first session beat nothing")
	assert.Equal(t, n.ID, l.Items[0].ID)
	assert.Equal(t, 1, l.UnreadCount)
	assert.Empty(t, inbox(t, a, ana, "").Items, "not to the athlete")
}

// The gamification module's achievements and completed challenges reach
// the member's groups as notifications of their kinds, once each (the
// same fact under another message id too), with the achievement's or
// challenge's name in the chat's system message; muting a kind keeps it
// out.
func TestGamificationEventsNotifyGroups(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob, cat := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	join(t, a, bob, g.ID)
	join(t, a, cat, g.ID)
	r := a.Do(http.MethodPatch, "/v1/me/notification-settings", cat.token, map[string]any{"muted_kinds": []string{"achievement"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	// The session that unlocked it is known to social (its feed card),
	// shared with followers; another, private, unlocked one more.
	session, private := uuid.NewString(), uuid.NewString()
	for i, c := range []struct{ id, visibility string }{{session, "followers"}, {private, "private"}} {
		publishEvent(t, a, conn, pool, trainingapi.EventSessionCompleted, "done-"+c.id, trainingapi.SessionCompleted{SessionID: c.id,
			UserID: ana.id, Sport: "run", Title: "run " + string(rune('A'+i)), Visibility: c.visibility, StartedAt: at.Add(-time.Hour),
			CompletedAt: at, Revision: 1})
	}
	unlocked := gamificationapi.AchievementUnlocked{UserID: ana.id, AchievementID: "run_distance_total", Name: "Road Warrior",
		NameKey: "achievement.run_distance_total.name", Tier: 2, TierName: "silver", Points: 50, SessionID: session, UnlockedAt: at}
	publishEvent(t, a, conn, pool, gamificationapi.EventAchievementUnlocked, "ach-1", unlocked)
	secret := unlocked
	secret.AchievementID, secret.Name, secret.SessionID = "night_owl", "Night Owl", private
	publishEvent(t, a, conn, pool, gamificationapi.EventAchievementUnlocked, "ach-private", secret)
	publishEvent(t, a, conn, pool, gamificationapi.EventAchievementUnlocked, "ach-1-again", unlocked)
	challenge := uuid.NewString()
	completed := gamificationapi.ChallengeCompleted{ChallengeID: challenge, Title: "December 100 km", Kind: "group_goal",
		UserID: ana.id, GroupID: g.ID, Value: 100_000, Unit: "m", CompletedAt: at.Add(time.Hour)}
	publishEvent(t, a, conn, pool, gamificationapi.EventChallengeCompleted, "ch-1", completed)
	publishEvent(t, a, conn, pool, gamificationapi.EventChallengeCompleted, "ch-1-again", completed)
	sentAll(t, pool)

	items := inbox(t, a, bob, "").Items
	require.Len(t, items, 2, "one of each, whatever the redelivery")
	assert.Equal(t, "challenge_completed", items[0].Kind)
	assert.Equal(t, challenge, items[0].Data["challenge_id"])
	assert.Equal(t, "December 100 km", items[0].Data["title"])
	assert.EqualValues(t, 100_000, items[0].Data["value"])
	assert.Equal(t, "achievement", items[1].Kind)
	assert.Equal(t, ana.id, items[1].Actor.UserID)
	assert.Equal(t, "run_distance_total", items[1].Data["achievement_id"])
	assert.Equal(t, "silver", items[1].Data["tier_name"])
	assert.NotContains(t, items[1].Data, "session_id", "the session may be private: not told")
	catItems := inbox(t, a, cat, "").Items
	require.Len(t, catItems, 1, "cat muted achievements")
	assert.Equal(t, "challenge_completed", catItems[0].Kind)
	assert.Empty(t, inbox(t, a, ana, "").Items, "not of her own")

	// The feed: a card for the achievement of the session bob may see,
	// none for the private one.
	var cards []api.FeedItem
	require.Eventually(t, func() bool {
		cards = nil
		for _, it := range feedOf(t, a, bob, 50) {
			if it.Kind == api.FeedUnlock {
				cards = append(cards, it)
			}
		}
		return len(cards) > 0
	}, 10*time.Second, 20*time.Millisecond)
	require.Len(t, cards, 1)
	assert.Equal(t, session, cards[0].SessionID)
	assert.Equal(t, "run A", cards[0].Title, "the session card's title")
	require.NotNil(t, cards[0].Achievement)
	assert.Equal(t, "run_distance_total", cards[0].Achievement.AchievementID)
	assert.Equal(t, "silver", cards[0].Achievement.TierName)
	assert.Equal(t, 50, cards[0].Achievement.Points)

	var page api.ChatPage
	r = a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/messages", bob.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &page)
	var texts []string
	for _, m := range page.Items {
		if m.SenderID == uuid.Nil.String() {
			texts = append(texts, m.Text)
		}
	}
	assert.ElementsMatch(t, []string{"A member unlocked Road Warrior (silver)", "A member completed December 100 km"}, texts,
		"ana has no display name: the text says a member")

	// A malformed event is refused (terminated), and changes nothing.
	publishRaw := func(subject, id string, data []byte) {
		_, err := conn.JS.PublishMsg(context.Background(), &nats.Msg{Subject: subject, Data: data}, jetstream.WithMsgID(id))
		require.NoError(t, err)
	}
	publishRaw(gamificationapi.EventAchievementUnlocked, "bad-1", []byte(`{"user_id": "nope"}`))
	publishRaw(gamificationapi.EventChallengeCompleted, "bad-2", []byte(`not json`))
	publishEvent(t, a, conn, pool, gamificationapi.EventAchievementUnlocked, "ach-2",
		gamificationapi.AchievementUnlocked{UserID: ana.id, AchievementID: "early_bird", Name: "Early Bird", Tier: 1, UnlockedAt: at})
	sentAll(t, pool)
	assert.Len(t, inbox(t, a, bob, "").Items, 3, "the good event after the bad ones")
}

// A record set in a private session reaches nobody (no notification, no
// system message); a member the athlete blocked, or who blocked the
// athlete, hears of no record of theirs.
func TestPrivateRecordsAndBlocksStayQuiet(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ana, bob, cat, dan := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "dan@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	for _, u := range []user{bob, cat, dan} {
		join(t, a, u, g.ID)
	}
	private := recordSet(ana.id, uuid.NewString(), 2)
	private.Visibility = "private"
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-private", private)
	unknown := recordSet(ana.id, uuid.NewString(), 1)
	unknown.Visibility = ""
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-unknown", unknown)
	sentAll(t, pool)
	for _, u := range []user{bob, cat, dan} {
		assert.Empty(t, inbox(t, a, u, "").Items, "a private session's records are ana's alone")
	}
	var system int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM social.messages WHERE group_id = $1 AND sender_id = $2`,
		g.ID, uuid.Nil).Scan(&system))
	assert.Zero(t, system, "no system message either")

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+bob.id+"/block", ana.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/users/"+ana.id+"/block", cat.token, nil).Status)
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "rec-public", recordSet(ana.id, uuid.NewString(), 1))
	sentAll(t, pool)
	assert.Empty(t, inbox(t, a, bob, "").Items, "ana blocked bob")
	assert.Empty(t, inbox(t, a, cat, "").Items, "cat blocked ana")
	assert.Len(t, inbox(t, a, dan, "").Items, 1)
}
