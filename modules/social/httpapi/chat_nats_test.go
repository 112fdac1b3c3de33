package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/social/api"
)

// chatApp is a user's app on NATS WebSocket: connected as GET
// /v1/realtime says, with the permission errors the server sent it and
// its reconnects counted.
type chatApp struct {
	*nats.Conn
	user       clientapi.TokenResponse
	mu         sync.Mutex
	errs       []error
	reconnects chan struct{}
}

func (e *chatEnv) connect(u clientapi.TokenResponse) *chatApp {
	e.t.Helper()
	r := e.Do(http.MethodGet, "/v1/realtime", u.AccessToken, nil)
	require.Equal(e.t, http.StatusOK, r.Status, string(r.Body))
	var info clientapi.RealtimeInfo
	r.JSON(e.t, &info)
	c := &chatApp{user: u, reconnects: make(chan struct{}, 16)}
	nc, err := nats.Connect(info.WebSocketURL, nats.Token(u.AccessToken), nats.CustomInboxPrefix(info.InboxPrefix),
		nats.ReconnectWait(50*time.Millisecond), nats.MaxReconnects(-1),
		nats.ReconnectHandler(func(*nats.Conn) { c.reconnects <- struct{}{} }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.errs = append(c.errs, err)
		}))
	require.NoError(e.t, err)
	e.t.Cleanup(nc.Close)
	c.Conn = nc
	return c
}

// settle waits until the grants-changed events of the memberships made
// so far are out (the outbox relayed) and the callout has closed their
// users' connections (/metrics counts the events it handled), so
// connections made now keep their grants.
func (e *chatEnv) settle() {
	e.t.Helper()
	require.Eventually(e.t, func() bool {
		var n int
		require.NoError(e.t, e.db.QueryRow(context.Background(), `SELECT count(*) FROM social.outbox`).Scan(&n))
		return n == 0
	}, 30*time.Second, 10*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := bustest.Conn(e.t, e.NATS).JS.Stream(ctx, bus.EventStream(api.Module))
	require.NoError(e.t, err)
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(api.EventRealtimeGrantsChanged))
	require.NoError(e.t, err)
	published := info.State.Subjects[api.EventRealtimeGrantsChanged]
	require.NotZero(e.t, published, "memberships change grants")
	closed := regexp.MustCompile(`(?m)^athlos_client_realtime_changes_closed_total (\d+)`)
	require.Eventually(e.t, func() bool {
		r := e.Do(http.MethodGet, "/metrics", "", nil)
		m := closed.FindStringSubmatch(string(r.Body))
		if m == nil {
			return false
		}
		n, err := strconv.ParseUint(m[1], 10, 64)
		return err == nil && n >= published
	}, 30*time.Second, 10*time.Millisecond, "the callout closed the connections of the %d grant changes", published)
}

// forget drops the errors seen so far.
func (c *chatApp) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = nil
}

// violated waits for the server's permission violation naming subject.
func (c *chatApp) violated(t *testing.T, subject string) {
	t.Helper()
	require.NoError(t, c.Flush())
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, err := range c.errs {
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject+`"`) {
				return true
			}
		}
		return false
	}, 30*time.Second, 10*time.Millisecond, "%s was not refused", subject)
}

// subscribe follows the group's chat.
func (c *chatApp) subscribe(t *testing.T, group string) chan api.ChatEvent {
	t.Helper()
	ch := make(chan api.ChatEvent, 256)
	_, err := c.Subscribe(api.ChatSubject(group), func(m *nats.Msg) {
		var ev api.ChatEvent
		if json.Unmarshal(m.Data, &ev) == nil {
			ch <- ev
		}
	})
	require.NoError(t, err)
	require.NoError(t, c.Flush())
	return ch
}

// send posts over NATS as the app does (a request on its chat.in
// subject): the stored message, or the refusal.
func (c *chatApp) send(t *testing.T, group string, body any, hdr nats.Header) (api.ChatMessage, *bus.PubAckRefusal) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	reply, err := c.RequestMsg(&nats.Msg{Subject: api.ChatInSubject(c.user.UserID, group), Data: data, Header: hdr}, 30*time.Second)
	require.NoError(t, err)
	var refusal bus.PubAckRefusal
	if json.Unmarshal(reply.Data, &refusal) == nil && refusal.Error.Code != 0 {
		return api.ChatMessage{}, &refusal
	}
	var m api.ChatMessage
	require.NoError(t, json.Unmarshal(reply.Data, &m), string(reply.Data))
	return m, nil
}

func next(t *testing.T, ch chan api.ChatEvent) api.ChatEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no chat event")
		return api.ChatEvent{}
	}
}

// nextKind skips events until one of kind.
func nextKind(t *testing.T, ch chan api.ChatEvent, kind string) api.ChatEvent {
	t.Helper()
	for {
		if ev := next(t, ch); ev.Kind == kind {
			return ev
		}
	}
}

func none(t *testing.T, ch chan api.ChatEvent, msg string) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("%s: received %+v", msg, ev)
	case <-time.After(300 * time.Millisecond):
	}
}

// Messages reach every member online at once, over NATS WebSocket, and
// never a stranger; members post over NATS on their own subject only.
func TestChatOverNATS(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob, cy, eve := e.SignUp("ana@example.com"), e.SignUp("bob@example.com"), e.SignUp("cy@example.com"), e.SignUp("eve@example.com")
	g := e.group(ana, bob, cy)
	e.settle()
	apps := map[string]*chatApp{}
	events := map[string]chan api.ChatEvent{}
	for _, u := range []clientapi.TokenResponse{ana, bob, cy} {
		apps[u.UserID] = e.connect(u)
		events[u.UserID] = apps[u.UserID].subscribe(t, g)
	}
	eveApp := e.connect(eve)
	eveEvents := eveApp.subscribe(t, g)
	eveApp.violated(t, api.ChatSubject(g))

	// Over HTTP, to everyone online.
	m := e.say(g, ana, "Sunday 8:00, the lake")
	for _, u := range []clientapi.TokenResponse{ana, bob, cy} {
		ev := next(t, events[u.UserID])
		assert.Equal(t, api.ChatMessageCreated, ev.Kind)
		assert.Equal(t, m, ev.Message, "the message as stored")
	}

	// Over NATS, answered with the stored message.
	got, refusal := apps[bob.UserID].send(t, g, map[string]any{"text": "in!", "txn_id": "b-1", "reply_to": m.ID}, nil)
	require.Nil(t, refusal)
	assert.Equal(t, int64(2), got.ID)
	assert.Equal(t, bob.UserID, got.SenderID)
	assert.Equal(t, ptr(m.ID), got.ReplyTo)
	for _, u := range []clientapi.TokenResponse{ana, bob, cy} {
		assert.Equal(t, got, next(t, events[u.UserID]).Message)
	}
	// A retry answers the first message and delivers nothing new.
	again, refusal := apps[bob.UserID].send(t, g, map[string]any{"text": "in!", "txn_id": "b-1"}, nil)
	require.Nil(t, refusal)
	assert.Equal(t, got.ID, again.ID)
	// The transaction id may come as Nats-Msg-Id.
	h := nats.Header{}
	h.Set(nats.MsgIdHdr, "b-2")
	viaHeader, refusal := apps[bob.UserID].send(t, g, map[string]any{"text": "me too"}, h)
	require.Nil(t, refusal)
	assert.Equal(t, "b-2", viaHeader.TxnID)
	sameAgain, _ := apps[bob.UserID].send(t, g, map[string]any{"text": "me too"}, h)
	assert.Equal(t, viaHeader.ID, sameAgain.ID)
	assert.Equal(t, viaHeader.ID, next(t, events[cy.UserID]).Message.ID, "the retry was delivered once")

	// Refusals, in the shape of JetStream API errors.
	_, refusal = apps[bob.UserID].send(t, g, map[string]any{"text": "\u001b[31mred"}, nil)
	require.NotNil(t, refusal)
	assert.Equal(t, 400, refusal.Error.Code)
	assert.Contains(t, refusal.Error.Description, "text")
	_, refusal = apps[bob.UserID].send(t, g, "not an object", nil)
	require.NotNil(t, refusal)
	assert.Equal(t, 400, refusal.Error.Code)
	_, refusal = eveApp.send(t, g, map[string]any{"text": "let me in"}, nil)
	require.NotNil(t, refusal)
	assert.Equal(t, 403, refusal.Error.Code, "a stranger posts nothing")
	_, refusal = apps[bob.UserID].send(t, "not-a-group", map[string]any{"text": "x"}, nil)
	require.NotNil(t, refusal)
	assert.Equal(t, 400, refusal.Error.Code)
	_, refusal = apps[bob.UserID].send(t, g, map[string]any{"text": strings.Repeat("é", 4001)}, nil)
	require.NotNil(t, refusal)
	assert.Equal(t, 400, refusal.Error.Code, "over 4,000 characters")
	_, refusal = apps[bob.UserID].send(t, g, map[string]any{"text": "hi", "colour": "red"}, nil)
	require.NotNil(t, refusal)
	assert.Equal(t, 400, refusal.Error.Code, "an unknown field")
	_, refusal = apps[bob.UserID].send(t, g, map[string]any{"text": "x", "pad": strings.Repeat("p", 21<<10)}, nil)
	require.NotNil(t, refusal)
	assert.Equal(t, 413, refusal.Error.Code, "over 20 KiB")

	// Not as someone else, not on the group's stream subject.
	bobApp := apps[bob.UserID]
	require.NoError(t, bobApp.Publish(api.ChatInSubject(ana.UserID, g), []byte(`{"text":"I am ana"}`)))
	bobApp.violated(t, api.ChatInSubject(ana.UserID, g))
	require.NoError(t, bobApp.Publish(api.ChatSubject(g), []byte(`{"kind":"message.created"}`)))
	bobApp.violated(t, api.ChatSubject(g))
	// A reply subject outside its inbox: no answer, nothing stored, and
	// the refusal on refused.<bob>.
	refused, err := bobApp.SubscribeSync(bus.SubjectRefused + bob.UserID)
	require.NoError(t, err)
	require.NoError(t, bobApp.PublishMsg(&nats.Msg{Subject: api.ChatInSubject(bob.UserID, g), Reply: "_INBOX_" + ana.UserID + ".x",
		Data: []byte(`{"text":"answer ana"}`)}))
	rm, err := refused.NextMsg(30 * time.Second)
	require.NoError(t, err)
	var why bus.Refused
	require.NoError(t, json.Unmarshal(rm.Data, &why))
	assert.Equal(t, bus.CodeForbidden, why.Code)

	none(t, eveEvents, "a stranger")
	none(t, events[cy.UserID], "nothing more was stored")
	metrics := string(e.Do(http.MethodGet, "/metrics", "", nil).Body)
	assert.Contains(t, metrics, "athlos_social_chat_ingress_posted_total 4", "two messages and their two retries")
	assert.Contains(t, metrics, `athlos_social_chat_ingress_refused_total{code="forbidden"} 2`)
	assert.Contains(t, metrics, `athlos_social_chat_ingress_refused_total{code="invalid"} 5`)
	p := e.page(g, ana, "")
	assert.Equal(t, []int64{1, 2, 3}, ids(p))

	// Edits, deletes and reactions reach everyone too.
	for _, ch := range events {
		for len(ch) > 0 {
			<-ch
		}
	}
	r := e.Do(http.MethodPut, "/v1/groups/"+g+"/messages/1/reactions/👍", cy.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	ev := nextKind(t, events[ana.UserID], api.ChatReactionAdded)
	assert.Equal(t, &api.ChatReactionChanged{Emoji: "👍", UserID: cy.UserID}, ev.Reaction)
	assert.Equal(t, []api.ChatReaction{{Emoji: "👍", Count: 1}}, ev.Message.Reactions)
	r = e.Do(http.MethodPatch, "/v1/groups/"+g+"/messages/1", ana.AccessToken, map[string]any{"text": "Sunday 8:30, the lake"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	ev = nextKind(t, events[bob.UserID], api.ChatMessageEdited)
	assert.Equal(t, "Sunday 8:30, the lake", ev.Message.Text)
	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, "/v1/groups/"+g+"/messages/2", ana.AccessToken, nil).Status)
	ev = nextKind(t, events[bob.UserID], api.ChatMessageDeleted)
	assert.True(t, ev.Message.Deleted)
	assert.Empty(t, ev.Message.Text)
}

// Someone removed or banned receives nothing sent after: their
// connections are closed at once and come back without the group.
func TestChatRemovedMemberReceivesNothing(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob, cy := e.SignUp("ana@example.com"), e.SignUp("bob@example.com"), e.SignUp("cy@example.com")
	g := e.group(ana, bob, cy)
	e.settle()
	bobApp, cyApp := e.connect(bob), e.connect(cy)
	bobEvents, cyEvents := bobApp.subscribe(t, g), cyApp.subscribe(t, g)

	e.say(g, ana, "before")
	next(t, bobEvents)
	next(t, cyEvents)

	for i, ban := range []bool{false, true} {
		u, app, ch := bob, bobApp, bobEvents
		if ban {
			u, app, ch = cy, cyApp, cyEvents
		}
		app.forget()
		e.remove(g, u, ban)
		// Its connection is closed; its subscription comes back with the
		// new connection, and is refused.
		app.violated(t, api.ChatSubject(g))
		select {
		case <-app.reconnects:
		default:
			t.Fatalf("case %d: the connection was not closed", i)
		}
		after := e.say(g, ana, "after")
		none(t, ch, fmt.Sprintf("removed (case %d)", i))
		if !ban {
			assert.Equal(t, after.ID, next(t, cyEvents).Message.ID, "cy is still in")
		}
		_, refusal := app.send(t, g, map[string]any{"text": "still here?"}, nil)
		require.NotNil(t, refusal)
		assert.Equal(t, 403, refusal.Error.Code)
	}
	// Joining again: the grant comes back.
	e.join(g, bob, "member")
	select {
	case <-bobApp.reconnects:
	case <-time.After(30 * time.Second):
		t.Fatal("the connection was not closed after the join")
	}
	again := bobApp.subscribe(t, g)
	m := e.say(g, ana, "welcome back")
	assert.Equal(t, m.ID, next(t, again).Message.ID)
}

// The longest message, of characters JSON writes longest, is stored and
// delivered whole.
func TestChatLongestMessageIsDelivered(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob := e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g := e.group(ana, bob)
	e.settle()
	events := e.connect(bob).subscribe(t, g)
	for _, text := range []string{strings.Repeat("<", 4000), strings.Repeat("🏃", 4000), strings.Repeat("\"\n", 2000)} {
		m := e.say(g, ana, text)
		ev := next(t, events)
		assert.Equal(t, m.ID, ev.Message.ID)
		assert.Equal(t, text, ev.Message.Text)
	}
	// CHAT took them (the stream's PubAck): nothing is left to publish
	// again.
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, e.db.QueryRow(context.Background(), `SELECT count(*) FROM social.chat_deliveries`).Scan(&n))
		return n == 0
	}, 30*time.Second, 20*time.Millisecond)
	none(t, events, "nothing twice")
}
