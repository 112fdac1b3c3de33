package bus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
)

// phoneConn is a connection in the app account with user's inbox prefix,
// standing in for an app (the callout's users are tested in the client
// module).
func phoneConn(t *testing.T, e *bus.Embedded, user string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(e.Server), nats.UserInfo(bus.AppUser, e.Password),
		nats.CustomInboxPrefix(bus.AppInboxPrefix(user)))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// nothingOn fails if sub receives a message within 200 ms. The server's
// audit advisory of the app's own JetStream API request (the $JS.API.INFO
// above, answered "not enabled" in the app's own account) may arrive late
// and is not something Athlos published: it is skipped.
func nothingOn(t *testing.T, sub *nats.Subscription) {
	t.Helper()
	for {
		m, err := sub.NextMsg(200 * time.Millisecond)
		if err == nil && strings.HasPrefix(m.Subject, "$JS.EVENT.ADVISORY.API") {
			continue
		}
		require.ErrorIs(t, err, nats.ErrTimeout, "got %v", m)
		return
	}
}

// The app account reaches nothing of Athlos's account but what is
// exported to it: whatever is published in it (on any subject, with any
// reply) never arrives in Athlos's account, and what Athlos publishes for
// apps arrives in it. Its connections have the account's limits.
func TestAppAccountIsWalledOff(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	c := bustest.Conn(t, e)
	ctx := t.Context()
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.SizeStreams(bus.Streams([]string{"client", "training"}, 1), 256<<20)))
	app := bustest.AppConn(t, e)

	everything, err := c.NC.SubscribeSync(">")
	require.NoError(t, err)
	require.NoError(t, c.NC.Flush())
	for _, subject := range []string{"live.telemetry.u.s", "rpc.client.auth.login", "evt.client.user.deleted",
		"notify.bob", "chat.g", "live.session.u.s", "live.watch.s", "$JS.API.STREAM.DELETE.TELEMETRY", "$SYS.REQ.SERVER.PING", "_INBOX.x"} {
		require.NoError(t, app.PublishMsg(&nats.Msg{Subject: subject, Reply: "evt.client.user.deleted", Data: []byte("{}")}))
	}
	require.NoError(t, app.Flush())
	for {
		m, err := everything.NextMsg(300 * time.Millisecond)
		if err != nil {
			break
		}
		// Athlos's own JetStream and system chatter may pass; nothing the
		// app sent.
		assert.NotEqual(t, "{}", string(m.Data), "the app's publish on %s reached Athlos's account", m.Subject)
	}
	// No JetStream in the app account.
	_, err = app.Request("$JS.API.INFO", nil, time.Second)
	if err == nil {
		m, _ := app.Request("$JS.API.INFO", nil, time.Second)
		assert.Contains(t, string(m.Data), "not enabled")
	}
	for _, name := range []string{bus.StreamTelemetry, "EVT_CLIENT"} {
		info, err := c.JS.Stream(ctx, name)
		require.NoError(t, err)
		assert.Zero(t, info.CachedInfo().State.Msgs, name)
	}

	// Exported for apps: yes; anything else Athlos publishes: no.
	in, err := app.SubscribeSync(">")
	require.NoError(t, err)
	require.NoError(t, app.Flush())
	for _, subject := range []string{"notify.ana", "chat.g1", "live.session.ana.s1", "live.watch.s1", bus.SubjectRefused + "ana"} {
		require.NoError(t, c.NC.Publish(subject, []byte(subject)))
		m, err := in.NextMsg(30 * time.Second)
		for err == nil && strings.HasPrefix(m.Subject, "$JS.EVENT.ADVISORY.API") { // as in nothingOn
			m, err = in.NextMsg(30 * time.Second)
		}
		require.NoError(t, err, subject)
		assert.Equal(t, subject, m.Subject)
	}
	for _, subject := range []string{"rpc.client.auth.login", "evt.client.user.deleted", "live.telemetry.ana.s1", "notify.ana.x",
		"live.session.s1", "live.session.ana.s1.x", "live.watch.s1.x"} {
		require.NoError(t, c.NC.Publish(subject, []byte("x")))
	}
	nothingOn(t, in)

	// The account's limits hold for every connection in it.
	assert.EqualValues(t, bus.AppMaxPayload, app.MaxPayload(), "the server tells the app account's payload limit")
	big := bustest.AppConn(t, e)
	// Refused by the client, which knows the limit from the server, or,
	// before it heard, by the server, which closes the connection.
	err = big.Publish("live.telemetry.u.s", make([]byte, bus.AppMaxPayload+1))
	if err == nil {
		err = big.Flush()
	}
	require.Error(t, err)
	errs := make(chan error, 16)
	subs, err := nats.Connect("", nats.InProcessServer(e.Server), nats.UserInfo(bus.AppUser, e.Password),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	require.NoError(t, err)
	t.Cleanup(subs.Close)
	for i := range bus.AppMaxSubscriptions + 1 {
		_, err := subs.SubscribeSync(fmt.Sprintf("notify.u%d", i))
		require.NoError(t, err)
	}
	require.NoError(t, subs.Flush())
	select {
	case err := <-errs:
		assert.ErrorContains(t, err, "maximum subscriptions exceeded")
	case <-time.After(30 * time.Second):
		t.Fatal("a subscription past the limit was taken")
	}
}

// An app publishes through the ingress as through JetStream: a stock
// JetStream client gets the stream's PubAck, duplicates are recognised by
// Nats-Msg-Id, and refusals come as API errors. A reply subject outside
// the publisher's own inbox gets nothing and stores nothing; a message
// without a reply is stored, and its refusal goes to refused.<user>.
func TestIngressAnswersOnlyThePublishersInbox(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	c := bustest.Conn(t, e)
	ctx := t.Context()
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.SizeStreams(bus.Streams([]string{"training"}, 1), 256<<20)))
	g := bustest.PassIngress(t, e, c)
	stream := telemetryStream(t, c.JS)
	count := func() uint64 {
		info, err := stream.Info(ctx)
		require.NoError(t, err)
		return info.State.Msgs
	}

	ana := "ana"
	js, err := jetstream.New(phoneConn(t, e, ana))
	require.NoError(t, err)
	ack, err := js.Publish(ctx, "live.telemetry.ana.s1", []byte(`{"points":[]}`), jetstream.WithMsgID("m1"))
	require.NoError(t, err)
	assert.Equal(t, bus.StreamTelemetry, ack.Stream)
	assert.False(t, ack.Duplicate)
	ack, err = js.Publish(ctx, "live.telemetry.ana.s1", []byte(`{"points":[]}`), jetstream.WithMsgID("m1"))
	require.NoError(t, err)
	assert.True(t, ack.Duplicate, "a message sent again is recognised")
	assert.EqualValues(t, 1, count())

	// Replies elsewhere: Bob's inbox, his notifications, anything.
	attacker := bustest.AppConn(t, e)
	watch := bustest.AppConn(t, e)
	seen, err := watch.SubscribeSync(">")
	require.NoError(t, err)
	require.NoError(t, watch.Flush())
	refusals, err := c.NC.SubscribeSync(bus.SubjectRefused + ana)
	require.NoError(t, err)
	require.NoError(t, c.NC.Flush())
	for _, reply := range []string{bus.AppInboxPrefix("bob") + ".x", "notify.bob", "live.session.bob.s9", "live.watch.s9", "chat.g1", "refused.bob",
		bus.AppInboxPrefix("ana"), bus.AppInboxPrefix("ana") + "x.y", "_INBOX.x", "evt.client.user.deleted", "$JS.API.STREAM.DELETE.TELEMETRY"} {
		require.NoError(t, attacker.PublishMsg(&nats.Msg{Subject: "live.telemetry.ana.s1", Reply: reply, Data: []byte(`{"points":[]}`)}))
	}
	require.NoError(t, attacker.Flush())
	for range 11 {
		r, err := refusals.NextMsg(30 * time.Second)
		require.NoError(t, err)
		var got bus.Refused
		require.NoError(t, json.Unmarshal(r.Data, &got))
		assert.Equal(t, bus.CodeForbidden, got.Code)
		assert.Equal(t, "live.telemetry.ana.s1", got.Subject)
	}
	for {
		m, err := seen.NextMsg(300 * time.Millisecond)
		if err != nil {
			break
		}
		assert.Contains(t, []string{"live.telemetry.ana.s1", "refused.ana"}, m.Subject,
			"only the publishes themselves and the refusals to the publisher, no answer (got one on %s)", m.Subject)
	}
	assert.EqualValues(t, 1, count(), "nothing stored")

	// No reply: stored.
	require.NoError(t, attacker.Publish("live.telemetry.ana.s2", []byte(`{"points":[]}`)))
	require.Eventually(t, func() bool { return count() == 2 }, 30*time.Second, 20*time.Millisecond)
	assert.Zero(t, g.Pending())
}

// What Accept refuses is answered as a JetStream API error, or told on
// refused.<user> when the publish had no reply; what the stream refuses
// likewise.
func TestIngressRefusals(t *testing.T) {
	t.Parallel()
	e := bustest.Server(t)
	c := bustest.Conn(t, e)
	ctx := t.Context()
	require.NoError(t, bus.EnsureStreams(ctx, c.JS, bus.SizeStreams(bus.Streams([]string{"training"}, 1), 256<<20)))
	g, err := bus.NewIngress(bustest.AppConn(t, e), c.NC, bus.IngressConfig{Subject: "live.telemetry.*.*", UserToken: 2, Queue: "q",
		Accept: func(user string, m *nats.Msg) (*nats.Msg, error) {
			switch {
			case !json.Valid(m.Data):
				return nil, bus.Invalid("payload", "not JSON")
			case string(m.Data) == `"slow down"`:
				return nil, &bus.Error{Code: bus.CodeRateLimited, Message: "too many messages", RetryAfter: 2}
			case string(m.Data) == `"elsewhere"`:
				return &nats.Msg{Subject: "nowhere." + user, Data: m.Data}, nil
			}
			return &nats.Msg{Subject: m.Subject, Data: m.Data}, nil
		}}, bustest.Logger(t))
	require.NoError(t, err)
	require.NoError(t, g.Start())
	t.Cleanup(func() { _ = g.Stop(context.Background()) })

	phone := phoneConn(t, e, "ana")
	js, err := jetstream.New(phone)
	require.NoError(t, err)
	var apiErr *jetstream.APIError
	_, err = js.Publish(ctx, "live.telemetry.ana.s1", []byte(`not json`))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.Code)
	assert.Equal(t, "invalid: payload: not JSON", apiErr.Description)
	_, err = js.Publish(ctx, "live.telemetry.ana.s1", []byte(`"slow down"`))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 429, apiErr.Code)
	// What no stream takes: unavailable.
	_, err = js.Publish(ctx, "live.telemetry.ana.s1", []byte(`"elsewhere"`))
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.Code)

	refusals, err := c.NC.SubscribeSync(bus.SubjectRefused + "ana")
	require.NoError(t, err)
	require.NoError(t, c.NC.Flush())
	require.NoError(t, phone.Publish("live.telemetry.ana.s2", []byte(`nope`)))
	r, err := refusals.NextMsg(30 * time.Second)
	require.NoError(t, err)
	var got bus.Refused
	require.NoError(t, json.Unmarshal(r.Data, &got))
	assert.Equal(t, bus.Refused{Subject: "live.telemetry.ana.s2", Code: bus.CodeInvalid, Reason: "payload: not JSON"}, got)
}

// A refusal is a JetStream API error whatever its reason holds.
func TestPubAckError(t *testing.T) {
	reason := "a \"quoted\" <reason>\nwith ünïcode & a \\ backslash"
	var got struct {
		Error struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	data := bus.PubAckError(bus.CodeRateLimited, reason)
	require.NoError(t, json.Unmarshal(data, &got), "%s", data)
	assert.Equal(t, 429, got.Error.Code)
	assert.Equal(t, "rate_limited: "+reason, got.Error.Description)
}
