package callout_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/callout"
)

// The grant sources of the tests: a social module granting chat.<group>
// and a training module granting live.watch.<session>, as the registry
// (package modules) lists real ones; and what they answer and publish.
var (
	socialSource = callout.Source{Module: "social", Subject: "rpc.social.realtime.grants", Prefix: "chat.",
		Changed: "evt.social.realtime.grants_changed"}
	trainingSource = callout.Source{Module: "training", Subject: "rpc.training.realtime.grants", Prefix: "live.watch.",
		Changed: "evt.training.realtime.grants_changed"}
	testSources = []callout.Source{socialSource, trainingSource}
)

type (
	grantsRequest struct {
		UserID string `json:"user_id"`
	}
	grantsReply struct {
		Subscribe []string `json:"subscribe"`
	}
	grantsChanged struct {
		UserIDs []string `json:"user_ids"`
	}
)

// staticKeys is a key set of one signing key.
type staticKeys struct{ key auth.SigningKey }

func (k staticKeys) JWKS() api.JWKS { return api.JWKS{Keys: []api.JWK{k.key.JWK()}} }

// env is an embedded NATS server with a WebSocket listener and the auth
// callout, a service connection, and the callout answering on it.
type env struct {
	t       testing.TB
	nats    *bus.Embedded
	svc     *bus.Conn
	app     *nats.Conn // Athlos's connection in the app account
	wsURL   string
	key     auth.SigningKey
	cfg     callout.Config
	callout *callout.Callout
}

func newEnv(t testing.TB, sources []callout.Source) *env {
	t.Helper()
	return newEnvWith(t, sources, true)
}

// newEnvWith is newEnv with or without the encryption of the callout's
// requests and answers (xkey).
func newEnvWith(t testing.TB, sources []callout.Source, encrypt bool) *env {
	t.Helper()
	e := newEnvWithoutCallout(t, sources, encrypt)
	e.startCallout()
	return e
}

// newEnvWithoutCallout is the server and the keys, with no callout
// answering yet (startCallout).
func newEnvWithoutCallout(t testing.TB, sources []callout.Source, encrypt bool) *env {
	t.Helper()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	issuer, xkey, err := bus.CalloutKeys(secret)
	require.NoError(t, err)
	cc, err := bus.CalloutConfigFromSecret(secret)
	require.NoError(t, err)
	if !encrypt {
		cc.XKey, xkey = "", nil
	}
	e := bustest.ServerWith(t, bus.EmbeddedConfig{WebSocketListen: "127.0.0.1:0", Callout: cc})
	svc := bustest.Conn(t, e)
	key, err := auth.NewSigningKey(time.Now())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sys, err := bus.ConnectSystem(ctx, bus.ConnConfig{Name: "system", Embedded: e}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(sys.Close)
	if sources == nil {
		sources = testSources
	}
	cfg := callout.Config{NC: svc.NC, Issuer: issuer, XKey: xkey, Keys: staticKeys{key}, System: sys,
		Sources: sources, Log: bustest.Logger(t)}
	return &env{t: t, nats: e, svc: svc, app: bustest.AppConn(t, e), wsURL: bustest.WebSocketURL(t, e), key: key, cfg: cfg}
}

// startCallout starts a callout on the server (a new one each time).
func (e *env) startCallout() {
	e.t.Helper()
	c, err := callout.New(e.cfg)
	require.NoError(e.t, err)
	require.NoError(e.t, c.Start())
	e.t.Cleanup(func() { _ = c.Stop(context.Background()) })
	e.callout = c
}

// token signs an access token for user that expires after ttl.
func (e *env) token(user uuid.UUID, ttl time.Duration) string {
	e.t.Helper()
	now := time.Now()
	tok, _, err := auth.IssueAccessToken(e.key, user, api.RoleUser, uuid.New(), now, 0)
	require.NoError(e.t, err)
	if ttl == auth.AccessTokenTTL {
		return tok
	}
	return e.sign(e.key.Private, jwt.MapClaims{"iss": api.TokenIssuer, "aud": api.TokenAudience, "sub": user.String(),
		"role": api.RoleUser, "iat": now.Unix(), "exp": now.Add(ttl).Unix()})
}

func (e *env) sign(k ed25519.PrivateKey, claims jwt.MapClaims) string {
	e.t.Helper()
	tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tk.Header["kid"] = e.key.ID
	s, err := tk.SignedString(k)
	require.NoError(e.t, err)
	return s
}

// appConn is an app's connection, recording the asynchronous errors the
// server sends (permission violations).
type appConn struct {
	*nats.Conn
	errs chan error
}

// connect connects like the app: over WebSocket, the access token as the
// NATS token, the user's own inbox prefix.
func (e *env) connect(user uuid.UUID, token string, opts ...nats.Option) (*appConn, error) {
	errs := make(chan error, 64)
	opts = append([]nats.Option{
		nats.Token(token),
		nats.CustomInboxPrefix("_INBOX_" + user.String()),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}),
		nats.ReconnectWait(50 * time.Millisecond),
	}, opts...)
	nc, err := nats.Connect(e.wsURL, opts...)
	if err != nil {
		return nil, err
	}
	e.t.Cleanup(nc.Close)
	return &appConn{Conn: nc, errs: errs}, nil
}

func (e *env) mustConnect(user uuid.UUID, opts ...nats.Option) *appConn {
	e.t.Helper()
	c, err := e.connect(user, e.token(user, auth.AccessTokenTTL), opts...)
	require.NoError(e.t, err)
	return c
}

// violation waits for the server's permission violation about subject.
func (c *appConn) violation(t testing.TB, subject string) {
	t.Helper()
	require.NoError(t, c.Flush())
	timeout := time.After(30 * time.Second)
	for {
		select {
		case err := <-c.errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject+`"`) {
				return
			}
		case <-timeout:
			t.Fatalf("no permission violation for %s", subject)
		}
	}
}

// noViolation checks that the server did not complain (a round trip
// after the operation).
func (c *appConn) noViolation(t testing.TB) {
	t.Helper()
	require.NoError(t, c.Flush())
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-c.errs:
		t.Fatalf("unexpected error: %v", err)
	default:
	}
}

func receive(t testing.TB, sub *nats.Subscription) *nats.Msg {
	t.Helper()
	m, err := sub.NextMsg(30 * time.Second)
	require.NoError(t, err)
	return m
}

func nothing(t testing.TB, sub *nats.Subscription) {
	t.Helper()
	_, err := sub.NextMsg(200 * time.Millisecond)
	require.ErrorIs(t, err, nats.ErrTimeout)
}

func TestUsersGetOnlyTheirOwnSubjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ana, bob := uuid.New(), uuid.New()
	app := e.mustConnect(ana)

	// The server side (in the app account) sees the user's telemetry.
	telemetry, err := e.app.SubscribeSync("live.telemetry.>")
	require.NoError(t, err)
	require.NoError(t, e.app.Flush())

	own := "live.telemetry." + ana.String() + ".s1"
	require.NoError(t, app.Publish(own, []byte(`{"points":[]}`)))
	app.noViolation(t)
	assert.Equal(t, own, receive(t, telemetry).Subject)

	// Another user's telemetry, notifications, RPC, events: refused.
	for _, subject := range []string{
		"live.telemetry." + bob.String() + ".s1",
		own + ".more",
		"notify." + ana.String(),
		"rpc.client.auth.password",
		"evt.client.user.deleted",
		"chat.g1",
		callout.RequestSubject,
	} {
		require.NoError(t, app.Publish(subject, []byte("x")))
		app.violation(t, subject)
	}
	nothing(t, telemetry)

	// Its own notifications: yes.
	notes, err := app.SubscribeSync("notify." + ana.String())
	require.NoError(t, err)
	app.noViolation(t)
	require.NoError(t, e.svc.NC.Publish("notify."+ana.String(), []byte("hi")))
	assert.Equal(t, "hi", string(receive(t, notes).Data))

	// The live figures of her own sessions, any of them, those she starts
	// after connecting too: yes.
	figures, err := app.SubscribeSync("live.session." + ana.String() + ".>")
	require.NoError(t, err)
	app.noViolation(t)
	require.NoError(t, e.svc.NC.Publish("live.session."+ana.String()+".s-new", []byte("fig")))
	assert.Equal(t, "live.session."+ana.String()+".s-new", receive(t, figures).Subject)

	// Someone else's, wildcards, the shared inbox, sessions and groups
	// nobody granted: no.
	for _, subject := range []string{
		"notify." + bob.String(), "notify.*", ">", "_INBOX.>", "_INBOX_" + bob.String() + ".>",
		"live.telemetry.>", "chat.g1", "live.session." + bob.String() + ".s1", "live.session." + bob.String() + ".>",
		"live.session.*.s1", "live.session.>", "live.session.s1", "live.watch.s1", "live.watch.*", "$SYS.>",
	} {
		_, err := app.SubscribeSync(subject)
		require.NoError(t, err)
		app.violation(t, subject)
	}
}

// No reply subject Ana chooses makes the server write anywhere but in
// her own inbox: not in Bob's inbox, notifications, refusals, chat or
// live subjects (which he subscribes to), and not on any internal subject
// (events, RPC, JetStream's API, the system account's), which do not even
// exist in the app account. Nothing of it is stored.
func TestRepliesCannotReachOthers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t, []callout.Source{{Module: "test", Subject: "rpc.test.grants", Prefix: "chat."},
		{Module: "test-live", Subject: "rpc.test.live", Prefix: "live.watch."}})
	for subject, grant := range map[string]string{"rpc.test.grants": "chat.g1", "rpc.test.live": "live.watch.s1"} {
		sub, err := e.svc.NC.Subscribe(subject, func(m *nats.Msg) {
			data, _ := json.Marshal(grantsReply{Subscribe: []string{grant}})
			_ = m.Respond(data)
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sub.Unsubscribe() })
	}
	stream, err := e.svc.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "TELEMETRY", Subjects: []string{"live.telemetry.>"}})
	require.NoError(t, err)
	bustest.PassIngress(t, e.nats, e.svc)

	ana, bob := uuid.New(), uuid.New()
	bobApp := e.mustConnect(bob)
	bobSees := make(chan *nats.Msg, 64)
	for _, subject := range []string{bus.AppInboxPrefix(bob.String()) + ".>", "notify." + bob.String(), "refused." + bob.String(),
		"chat.g1", "live.watch.s1", "live.session." + bob.String() + ".s1"} {
		_, err := bobApp.ChanSubscribe(subject, bobSees)
		require.NoError(t, err)
	}
	bobApp.noViolation(t)
	internal, err := e.svc.NC.SubscribeSync(">")
	require.NoError(t, err)
	require.NoError(t, e.svc.NC.Flush())

	anaApp := e.mustConnect(ana)
	replies := []string{
		bus.AppInboxPrefix(bob.String()) + ".x", "notify." + bob.String(), "refused." + bob.String(), "chat.g1", "live.watch.s1",
		"live.session." + bob.String() + ".s1",
		"evt.client.user.deleted", "rpc.client.auth.login", "$JS.API.STREAM.DELETE.TELEMETRY",
		"$SYS.REQ.SERVER.PING", "_INBOX.x", "live.telemetry." + bob.String() + ".s1", bus.AppInboxPrefix(ana.String()) + "x.y",
	}
	for _, reply := range replies {
		require.NoError(t, anaApp.PublishMsg(&nats.Msg{Subject: "live.telemetry." + ana.String() + ".s1", Reply: reply,
			Data: []byte(`{"points":[]}`)}))
	}
	anaApp.noViolation(t)
	// A JetStream acknowledgement as the reply: the server itself refuses.
	ack := "$JS.ACK.TELEMETRY.x.1.1.1.1.1"
	require.NoError(t, anaApp.PublishMsg(&nats.Msg{Subject: "live.telemetry." + ana.String() + ".s1", Reply: ack, Data: []byte(`{}`)}))
	anaApp.violation(t, ack)
	replies = append(replies, ack)
	time.Sleep(300 * time.Millisecond)
	select {
	case m := <-bobSees:
		t.Fatalf("Bob received %q on %s", m.Data, m.Subject)
	default:
	}
	for {
		m, err := internal.NextMsg(100 * time.Millisecond)
		if err != nil {
			break
		}
		assert.NotContains(t, replies, m.Subject, "the server wrote on %s in Athlos's account", m.Subject)
		assert.False(t, strings.HasPrefix(m.Subject, "live.telemetry."), "stored: %s", m.Subject)
	}
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	assert.Zero(t, info.State.Msgs, "nothing stored")
	assert.True(t, bobApp.IsConnected())
}

func TestRequestsUseTheUsersOwnInbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := e.svc.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "TELEMETRY", Subjects: []string{"live.telemetry.>"}})
	require.NoError(t, err)
	bustest.PassIngress(t, e.nats, e.svc)

	ana := uuid.New()
	app := e.mustConnect(ana)
	// A JetStream publish: the ack comes back on the user's inbox.
	js, err := jetstream.New(app.Conn)
	require.NoError(t, err)
	ack, err := js.Publish(ctx, "live.telemetry."+ana.String()+".s1", []byte(`{"points":[]}`))
	require.NoError(t, err)
	assert.Equal(t, "TELEMETRY", ack.Stream)

	// With the default inbox prefix the app cannot receive replies.
	other := e.mustConnect(uuid.New(), nats.CustomInboxPrefix("_INBOX"))
	_, err = other.Request("live.telemetry.x.s1", nil, time.Second)
	require.Error(t, err)
}

func TestOnlyWebSocketConnectionsWithAValidToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ana := uuid.New()
	good := e.token(ana, auth.AccessTokenTTL)

	// Plain TCP with a good user token.
	_, err := nats.Connect(e.nats.Server.ClientURL(), nats.Token(good))
	refused(t, err, "TCP")

	_, foreign, _ := ed25519.GenerateKey(rand.Reader)
	now := time.Now()
	claims := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": api.TokenIssuer, "aud": api.TokenAudience, "sub": ana.String(), "role": "user",
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if mut != nil {
			mut(c)
		}
		return c
	}
	bad := map[string]string{
		"expired":            e.sign(e.key.Private, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })),
		"expired just now":   e.sign(e.key.Private, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-5 * time.Second).Unix() })),
		"foreign key":        e.sign(foreign, claims(nil)),
		"wrong audience":     e.sign(e.key.Private, claims(func(c jwt.MapClaims) { c["aud"] = "nats" })),
		"unknown role":       e.sign(e.key.Private, claims(func(c jwt.MapClaims) { c["role"] = "root" })),
		"subject with dots":  e.sign(e.key.Private, claims(func(c jwt.MapClaims) { c["sub"] = "a.*" })),
		"subject not a uuid": e.sign(e.key.Private, claims(func(c jwt.MapClaims) { c["sub"] = "ana" })),
		"garbage":            "not.a.token",
		"empty":              "",
	}
	for name, token := range bad {
		_, err := nats.Connect(e.wsURL, nats.Token(token))
		refused(t, err, name)
	}
	// The service user's password works on TCP only (refused as
	// "Authorization Violation", or the socket is closed before the
	// client's first PING).
	_, err = nats.Connect(e.wsURL, nats.UserInfo(bus.ServiceUser, e.nats.Password))
	assert.Error(t, err, "service user over WebSocket")
	// Username and password instead of the token.
	_, err = nats.Connect(e.wsURL, nats.UserInfo(ana.String(), good))
	refused(t, err, "token as a password")

	_, err = e.connect(ana, good)
	require.NoError(t, err, "the good token over WebSocket")
}

func TestTheConnectionEndsWhenTheTokenExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ana := uuid.New()
	closed := make(chan struct{})
	start := time.Now()
	// 6 s: the connect must be done before the token expires (in whole
	// seconds, so it has 5 s to 6 s), with room for a loaded runner.
	_, err := e.connect(ana, e.token(ana, 6*time.Second), nats.NoReconnect(),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	require.NoError(t, err)
	select {
	case <-closed:
		// The JWT's expiry has a resolution of seconds.
		assert.Greater(t, time.Since(start), 4500*time.Millisecond)
	case <-time.After(30 * time.Second):
		t.Fatal("the connection outlived its token")
	}
}

// grantsResponder answers the social module's grants from a map it lets
// the test change.
type grantsResponder struct {
	mu     sync.Mutex
	groups map[string][]string
}

func (g *grantsResponder) set(user string, groups ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.groups[user] = groups
}

func (g *grantsResponder) serve(t testing.TB, nc *nats.Conn) {
	sub, err := nc.Subscribe(socialSource.Subject, func(m *nats.Msg) {
		var req grantsRequest
		_ = json.Unmarshal(m.Data, &req)
		g.mu.Lock()
		var out grantsReply
		for _, grp := range g.groups[req.UserID] {
			out.Subscribe = append(out.Subscribe, "chat."+grp)
		}
		g.mu.Unlock()
		// A module may not grant what is not its own.
		out.Subscribe = append(out.Subscribe, "notify."+req.UserID, "chat.>", "chat.a.b")
		data, _ := json.Marshal(out)
		_ = m.Respond(data)
	})
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	t.Cleanup(func() { _ = sub.Unsubscribe() })
}

func TestGroupChatFollowsMembership(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	social := &grantsResponder{groups: map[string][]string{}}
	social.serve(t, e.svc.NC)
	ana, bob := uuid.New(), uuid.New()
	social.set(ana.String(), "g1", "g2")
	social.set(bob.String(), "g2")

	reconnected := make(chan struct{}, 4)
	app := e.mustConnect(ana, nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	g1, err := app.SubscribeSync("chat.g1")
	require.NoError(t, err)
	app.noViolation(t)
	require.NoError(t, e.svc.NC.Publish("chat.g1", []byte("hello g1")))
	assert.Equal(t, "hello g1", string(receive(t, g1).Data))
	// Grants beyond the module's own subjects were dropped.
	all, err := app.SubscribeSync("chat.>")
	require.NoError(t, err)
	app.violation(t, "chat.>")
	require.NoError(t, all.Unsubscribe())

	// Bob is not in g1.
	bobApp := e.mustConnect(bob)
	_, err = bobApp.SubscribeSync("chat.g1")
	require.NoError(t, err)
	bobApp.violation(t, "chat.g1")

	// Ana leaves g1: the social module says so and announces the change.
	social.set(ana.String(), "g2")
	data, _ := json.Marshal(grantsChanged{UserIDs: []string{ana.String()}})
	require.NoError(t, e.svc.NC.Publish(socialSource.Changed, data))
	select {
	case <-reconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("the user was not made to reconnect")
	}
	// The client resubscribes to chat.g1 on reconnect, and is refused.
	app.violation(t, "chat.g1")
	require.NoError(t, e.svc.NC.Publish("chat.g1", []byte("after")))
	nothing(t, g1)
	g2, err := app.SubscribeSync("chat.g2")
	require.NoError(t, err)
	app.noViolation(t)
	require.NoError(t, e.svc.NC.Publish("chat.g2", []byte("hello g2")))
	assert.Equal(t, "hello g2", string(receive(t, g2).Data))
	assert.True(t, bobApp.IsConnected(), "other users stay connected")
}

func TestWithoutTheOwningModulesNoSharedSubjects(t *testing.T) {
	t.Parallel()
	// No responder for social or training: the connect still succeeds
	// (at once), with the user's own subjects only. At once: with a
	// minute to wait for each source, a callout that waited for those that
	// do not run would answer after the server gave up on it (2 s), and
	// the connect would fail (no clock read: a loaded runner may take a
	// second for a connect).
	e := newEnvWithoutCallout(t, nil, true)
	e.cfg.GrantTimeout = time.Minute
	e.startCallout()
	ana := uuid.New()
	app := e.mustConnect(ana)
	_, err := app.SubscribeSync("live.watch.s1")
	require.NoError(t, err)
	app.violation(t, "live.watch.s1")

	info := e.callout.Info(context.Background(), ana.String(), api.RealtimeRequest{Host: "example.com:8080"})
	assert.Equal(t, "_INBOX_"+ana.String(), info.InboxPrefix)
	// Its own subjects to publish on (chat.in.<user>.* is answered only
	// where the social module runs: without it a request gets "no
	// responders" at once).
	assert.Equal(t, []string{"live.telemetry." + ana.String() + ".*", "chat.in." + ana.String() + ".*"}, info.Publish)
	assert.Equal(t, []string{"live.session." + ana.String() + ".>", "notify." + ana.String(), "refused." + ana.String(),
		"_INBOX_" + ana.String() + ".>"}, info.Subscribe)
}

func TestDeletedUsersAreDisconnectedAndRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ana := uuid.New()
	closed := make(chan struct{})
	app := e.mustConnect(ana, nats.ClosedHandler(func(*nats.Conn) { close(closed) }), nats.MaxReconnects(2))
	data, _ := json.Marshal(api.UserDeleted{UserID: ana.String(), DeletedAt: time.Now()})
	require.NoError(t, e.svc.NC.Publish(api.EventUserDeleted, data))
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the deleted user is still connected")
	}
	assert.False(t, app.IsConnected())
	_, err := e.connect(ana, e.token(ana, auth.AccessTokenTTL))
	refused(t, err, "deleted user")
}

func TestCalloutKeysAreStable(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	a, err := bus.CalloutConfigFromSecret(secret)
	require.NoError(t, err)
	b, err := bus.CalloutConfigFromSecret(secret)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.True(t, strings.HasPrefix(a.Issuer, "A"), a.Issuer)
	assert.True(t, strings.HasPrefix(a.XKey, "X"), a.XKey)
	c, err := bus.CalloutConfigFromSecret([]byte("another secret of thirty-two b!!"))
	require.NoError(t, err)
	assert.NotEqual(t, a.Issuer, c.Issuer)
}

// refused checks that a connect failed: the server's "Authorization
// Violation", or, when the server closed the socket before the client's
// first PING went out, the broken connection.
func refused(t testing.TB, err error, msg string) {
	t.Helper()
	if errors.Is(err, nats.ErrAuthorization) {
		return
	}
	var op *net.OpError
	if !errors.As(err, &op) && !errors.Is(err, io.EOF) && !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("%s: want the connection refused, got %v", msg, err)
	}
}

// Apps that connect or reconnect while no callout answers (athlos
// starting, the client module restarting) are turned away at the
// WebSocket listener, not refused with "Authorization Violation": a stock
// nats.go client gives up for good after two of those, but keeps trying
// after a failed connection. Once a callout answers, they are let in.
func TestAppsReconnectingWhileNoCalloutAnswersGetIn(t *testing.T) {
	t.Parallel()
	e := newEnvWithoutCallout(t, nil, true)
	user := uuid.New()

	// Nobody answers yet: a connection fails, and not as an auth error.
	// (The server gives up on the callout after 2 s; the phones here
	// wait longer for a connection than nats.go's default 2 s, as apps on
	// mobile networks do, so they would hear its refusal.)
	_, err := e.connect(user, e.token(user, auth.AccessTokenTTL), nats.NoReconnect(), nats.Timeout(5*time.Second))
	require.Error(t, err)
	assert.NotErrorIs(t, err, nats.ErrAuthorization, "turned away before the server asks the callout")

	// A phone with nats.go's default retry behaviour, told to keep trying
	// its first connect, gets in once the callout starts.
	closed := make(chan struct{})
	connected := make(chan struct{})
	// The phone, once its Connect returns (at once with its first attempt
	// failed, or after one that succeeded: then its ConnectHandler may
	// come first), or nil if it failed.
	phones := make(chan *appConn, 1)
	go func() {
		c, err := e.connect(user, e.token(user, auth.AccessTokenTTL), nats.RetryOnFailedConnect(true), nats.Timeout(5*time.Second),
			nats.ClosedHandler(func(*nats.Conn) { close(closed) }),
			nats.ConnectHandler(func(*nats.Conn) { close(connected) }))
		if err != nil {
			c = nil
		}
		phones <- c
	}()
	time.Sleep(500 * time.Millisecond) // several attempts
	e.startCallout()
	select {
	case <-connected:
	case <-closed:
		t.Fatal("the phone gave up")
	case <-time.After(30 * time.Second):
		t.Fatal("the phone did not get in after the callout started")
	}
	phone := <-phones
	require.NotNil(t, phone)

	// The callout goes away (its module restarts) and the phone's
	// connection breaks: its reconnects are turned away until a callout
	// answers again, and it is never closed.
	require.NoError(t, e.callout.Stop(context.Background()))
	require.Eventually(t, func() bool { return !e.nats.CalloutAnswers() }, 30*time.Second, 10*time.Millisecond)
	reconnected := make(chan struct{}, 1)
	phone.SetReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} })
	id, err := phone.GetClientID()
	require.NoError(t, err)
	require.NoError(t, e.nats.Server.DisconnectClientByID(id))
	time.Sleep(time.Second) // twenty reconnects at the test's 50 ms
	assert.False(t, phone.IsClosed(), "the phone gave up while the callout was away")
	assert.False(t, phone.IsConnected())
	e.startCallout()
	select {
	case <-reconnected:
	case <-closed:
		t.Fatal("the phone gave up")
	case <-time.After(30 * time.Second):
		t.Fatal("the phone did not reconnect after the callout came back")
	}
	sub, err := phone.SubscribeSync("notify." + user.String())
	require.NoError(t, err)
	require.NoError(t, phone.Flush())
	require.NoError(t, e.svc.NC.Publish("notify."+user.String(), []byte("hi")))
	assert.Equal(t, "hi", string(receive(t, sub).Data))
}

// The limits of an app connection are ones the server applies: the app
// account's message size and subscriptions per connection, and the
// callout's count of each user's connections on the cluster.
func TestAppLimitsHold(t *testing.T) {
	t.Parallel()
	e := newEnvWithoutCallout(t, nil, true)
	e.cfg.MaxConnections = 3
	e.startCallout()
	ana, bob := uuid.New(), uuid.New()

	// Too large a message: the server closes the connection (the client
	// may not know the account's limit: the server's first INFO names its
	// own; GET /v1/realtime tells the app) and passes nothing on.
	telemetry, err := e.app.SubscribeSync("live.telemetry.>")
	require.NoError(t, err)
	require.NoError(t, e.app.Flush())
	closed := make(chan struct{}, 2)
	big := e.mustConnect(bob, nats.ClosedHandler(func(*nats.Conn) { closed <- struct{}{} }),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { closed <- struct{}{} }))
	// (Sometimes the client has heard the limit already, and refuses.)
	if err := big.Publish("live.telemetry."+bob.String()+".s1", make([]byte, bus.AppMaxPayload+1)); err != nil {
		require.ErrorIs(t, err, nats.ErrMaxPayload)
	} else {
		_ = big.Flush()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("a message past the limit was taken")
		}
	}
	nothing(t, telemetry)

	first := e.mustConnect(ana)

	for i := range bus.AppMaxSubscriptions {
		_, err := first.SubscribeSync(fmt.Sprintf("%s.%d", bus.AppInboxPrefix(ana.String()), i))
		require.NoError(t, err)
	}
	first.noViolation(t)
	_, err = first.SubscribeSync(bus.AppInboxPrefix(ana.String()) + ".one-more")
	require.NoError(t, err)
	require.NoError(t, first.Flush())
	select {
	case err := <-first.errs:
		assert.ErrorContains(t, err, "maximum subscriptions exceeded")
	case <-time.After(30 * time.Second):
		t.Fatal("a subscription past the limit was taken")
	}

	// Three connections of Ana's at most; Bob is not affected.
	second, third := e.mustConnect(ana), e.mustConnect(ana)
	_, err = e.connect(ana, e.token(ana, auth.AccessTokenTTL), nats.NoReconnect())
	refused(t, err, "a fourth connection")
	e.mustConnect(bob)
	// One closes: another may come.
	third.Close()
	require.Eventually(t, func() bool {
		c, err := e.connect(ana, e.token(ana, auth.AccessTokenTTL), nats.NoReconnect())
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 100*time.Millisecond)
	assert.True(t, second.IsConnected())
}

// TestGrantsOfASilentSourceComeWithTheNextConnection: a grants source that
// runs but does not answer (its process on a node just lost) grants
// nothing for now, and the connection ends after PartialGrantsTTL, so the
// app reconnects and gets them, rather than living without its chats
// until its token expires.
func TestGrantsOfASilentSourceComeWithTheNextConnection(t *testing.T) {
	t.Parallel()
	e := newEnvWithoutCallout(t, []callout.Source{socialSource}, true)
	e.cfg.GrantTimeout = 200 * time.Millisecond
	// 5 s: the connection must not end before the source answers again
	// below (a reconnect then gets incomplete grants once more, and its
	// resubscription to chat.g1 is refused), with room for a loaded runner.
	e.cfg.PartialGrantsTTL = 5 * time.Second
	e.startCallout()
	silent, err := e.svc.NC.Subscribe(socialSource.Subject, func(*nats.Msg) {})
	require.NoError(t, err)
	require.NoError(t, e.svc.NC.Flush())

	ana := uuid.New()
	reconnected := make(chan struct{}, 4)
	app := e.mustConnect(ana, nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	g1, err := app.SubscribeSync("chat.g1")
	require.NoError(t, err)
	app.violation(t, "chat.g1")

	// The social module answers again (another process of it).
	require.NoError(t, silent.Unsubscribe())
	social := &grantsResponder{groups: map[string][]string{}}
	social.set(ana.String(), "g1")
	social.serve(t, e.svc.NC)
	select {
	case <-reconnected:
	case <-time.After(15 * time.Second):
		t.Fatal("the connection with incomplete grants did not end")
	}
	// It ended as an expired connection does; the client subscribes again
	// on reconnect, now granted.
	for len(app.errs) > 0 {
		require.ErrorIs(t, <-app.errs, nats.ErrAuthExpired)
	}
	app.noViolation(t)
	require.NoError(t, e.svc.NC.Publish("chat.g1", []byte("hello g1")))
	assert.Equal(t, "hello g1", string(receive(t, g1).Data))
}
