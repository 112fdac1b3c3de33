package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/asyncapitest"
	"github.com/athlos/athlos/modules"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// The real-time flow as docs/configuration.md tells an app to use it,
// with a stock NATS client (nats.go): a token callback, the user's own
// inbox prefix, JetStream publishes with a Nats-Msg-Id. Every message the
// tests see is checked against the schemas of the served /asyncapi.json.

// session is a signed-in app: its tokens, refreshed over HTTP.
type session struct {
	t       *testing.T
	a       *apptest.App
	mu      sync.Mutex
	tok     clientapi.TokenResponse
	issued  time.Time
	refresh int
}

func signInApp(t *testing.T, a *apptest.App, email string) *session {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/auth/register", "", map[string]any{"email": email, "password": "correct horse battery staple"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	s := &session{t: t, a: a, issued: time.Now()}
	r.JSON(t, &s.tok)
	return s
}

// token is what the NATS client's token callback returns: the current
// access token.
func (s *session) token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok.AccessToken
}

func (s *session) userID() string { return s.tok.UserID }

// refreshIfDue refreshes the access token once half of its life is gone,
// as an app does (POST /v1/auth/refresh; each refresh token works once).
// It may run on the NATS client's goroutine (freshToken): it reports a
// failure without stopping the test there.
func (s *session) refreshIfDue() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.issued) < time.Duration(s.tok.ExpiresIn)*time.Second/2 {
		return
	}
	body, _ := json.Marshal(map[string]any{"refresh_token": s.tok.RefreshToken})
	resp, err := s.a.Client.Post(s.a.BaseURL+"/v1/auth/refresh", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Errorf("refresh: %v", err)
		return
	}
	defer resp.Body.Close()
	var tok clientapi.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tok); resp.StatusCode != http.StatusOK || err != nil {
		s.t.Errorf("refresh: status %d: %v", resp.StatusCode, err)
		return
	}
	s.tok, s.issued = tok, time.Now()
	s.refresh++
}

// freshToken is the documented token callback: the current access token,
// refreshed first when half its life is gone (at a reconnect the old one
// may have expired while the app was busy).
func (s *session) freshToken() string {
	s.refreshIfDue()
	return s.token()
}

func (s *session) refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refresh
}

// rtConn is an app's NATS connection and what the client reported.
type rtConn struct {
	*nats.Conn
	mu          sync.Mutex
	errs        []error
	disconnects []error
	reconnects  atomic.Int32
	closed      chan struct{}
}

// connectAsDocumented connects as the docs say: the WebSocket URLs and
// inbox prefix of GET /v1/realtime, a token callback that returns the
// current access token at every (re)connect, reconnecting for ever.
func connectAsDocumented(t *testing.T, s *session, opts ...nats.Option) *rtConn {
	t.Helper()
	var info clientapi.RealtimeInfo
	r := s.a.Do(http.MethodGet, "/v1/realtime", s.token(), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &info)
	return dial(t, info, append([]nats.Option{nats.TokenHandler(s.freshToken), nats.CustomInboxPrefix(info.InboxPrefix)}, opts...)...)
}

func dial(t *testing.T, info clientapi.RealtimeInfo, opts ...nats.Option) *rtConn {
	t.Helper()
	c := &rtConn{closed: make(chan struct{})}
	opts = append([]nats.Option{
		nats.MaxReconnects(-1),
		nats.ReconnectWait(100 * time.Millisecond),
		nats.Timeout(5 * time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.errs = append(c.errs, err)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.disconnects = append(c.disconnects, err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) { c.reconnects.Add(1) }),
		nats.ClosedHandler(func(*nats.Conn) { close(c.closed) }),
	}, opts...)
	nc, err := nats.Connect(strings.Join(info.WebSocketURLs, ","), opts...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	c.Conn = nc
	return c
}

func (c *rtConn) violations(subject string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, err := range c.errs {
		if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), `"`+subject+`"`) {
			n++
		}
	}
	return n
}

func (c *rtConn) count(target error) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, err := range c.errs {
		if errors.Is(err, target) {
			n++
		}
	}
	return n
}

func (c *rtConn) asyncErrors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func (c *rtConn) disconnectErrors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.disconnects...)
}

// asyncAPI is the served /asyncapi.json, which anyone may read.
func asyncAPI(t *testing.T, a *apptest.App) *asyncapitest.Doc {
	t.Helper()
	r := a.Do(http.MethodGet, "/asyncapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	return asyncapitest.Load(t, r.Body)
}

func getSession(t *testing.T, a *apptest.App, token, id string) api.Session {
	t.Helper()
	r := a.Do(http.MethodGet, "/v1/sessions/"+id, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	return s
}

// track makes telemetry messages of a run at 3 m/s: points a second
// apart from a minute ago until they catch up with the clock, then at the
// clock's time (a millisecond apart at least).
type track struct {
	last time.Time
	lat  float64
}

func newTrack() *track {
	return &track{last: time.Now().UTC().Truncate(time.Millisecond).Add(-time.Minute), lat: 52.5}
}

// next is the next point's time, after the last.
func (tr *track) next() time.Time {
	at := tr.last.Add(time.Second)
	if now := time.Now().UTC().Truncate(time.Millisecond); now.Before(at) {
		at = now
	}
	if earliest := tr.last.Add(time.Millisecond); at.Before(earliest) {
		at = earliest
	}
	return at
}

func (tr *track) message(t *testing.T, n int) []byte {
	t.Helper()
	m := api.TelemetryMessage{Points: make([]api.TelemetryPoint, n)}
	for i := range m.Points {
		hr := 140 + i%10
		at := tr.next()
		tr.lat += 3 * at.Sub(tr.last).Seconds() / 111_257.0
		tr.last = at
		lat, lon := tr.lat, 13.4
		m.Points[i] = api.TelemetryPoint{T: at, Lat: &lat, Lon: &lon, HR: &hr}
	}
	data, err := json.Marshal(m)
	require.NoError(t, err)
	return data
}

func msgWithID(subject, id string, data []byte) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Header.Set(api.HeaderMsgID, id)
	m.Data = data
	return m
}

// The owner starts a session after connecting and receives its live
// figures on the connection it has, without reconnecting; a stranger may
// subscribe neither to the owner's subject nor to the watchers' one.
func TestOwnerReceivesTheFiguresOfASessionStartedAfterConnecting(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	doc := asyncAPI(t, a)
	ana, eve := signInApp(t, a, "ana@example.com"), signInApp(t, a, "eve@example.com")

	app := connectAsDocumented(t, ana)
	figures, err := app.SubscribeSync(api.LiveSessionSubjects(ana.userID()))
	require.NoError(t, err)
	refusals, err := app.SubscribeSync(bus.SubjectRefused + ana.userID())
	require.NoError(t, err)
	require.NoError(t, app.Flush())

	// Connected first; the session starts now.
	s := startSession(t, a, ana.token())
	subject := api.TelemetrySubject(ana.userID(), s.ID)
	stranger := connectAsDocumented(t, eve)
	strangers := map[string]*nats.Subscription{}
	for _, sub := range []string{api.LiveSessionSubject(ana.userID(), s.ID), api.LiveWatchSubject(s.ID), api.LiveSessionSubjects(ana.userID())} {
		strangers[sub], err = stranger.SubscribeSync(sub)
		require.NoError(t, err)
	}
	require.NoError(t, stranger.Flush())

	// A telemetry message, as the raw request a JetStream publish is:
	// the PubAck comes on Ana's inbox.
	tr := newTrack()
	data := tr.message(t, 20)
	doc.Payload(t, "telemetry", data)
	m := msgWithID(subject, s.ID+"-1", data)
	doc.Headers(t, "telemetry", m.Header)
	reply, err := app.RequestMsg(m, 10*time.Second)
	require.NoError(t, err)
	doc.Payload(t, "pubAck", reply.Data)
	var ack bus.PubAck
	require.NoError(t, json.Unmarshal(reply.Data, &ack))
	assert.Equal(t, bus.StreamTelemetry, ack.Stream)

	// Her live figures come on the connection she had before the session.
	fig, err := figures.NextMsg(10 * time.Second)
	require.NoError(t, err, "no live figures for a session started after connecting")
	assert.Equal(t, api.LiveSessionSubject(ana.userID(), s.ID), fig.Subject)
	doc.Payload(t, "liveFigures", fig.Data)
	var ls api.LiveStats
	require.NoError(t, json.Unmarshal(fig.Data, &ls))
	assert.Equal(t, s.ID, ls.SessionID)
	assert.Equal(t, 20, ls.Points)
	assert.NotContains(t, string(fig.Data), ana.userID(), "the figures do not name the owner")
	assert.Zero(t, app.reconnects.Load(), "without reconnecting")
	assert.Zero(t, app.Stats().Reconnects)

	// Through the stock JetStream client too.
	js, err := jetstream.New(app.Conn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	pa, err := js.PublishMsg(ctx, msgWithID(subject, s.ID+"-2", tr.message(t, 5)))
	require.NoError(t, err)
	assert.Greater(t, pa.Sequence, ack.Seq)
	require.Eventually(t, func() bool {
		fig, err := figures.NextMsg(time.Second)
		return err == nil && json.Unmarshal(fig.Data, &ls) == nil && ls.Points == 25
	}, 10*time.Second, time.Millisecond)

	// The refusals: a message that can never be stored is answered with
	// a JetStream API error; impossible points, told on refused.<user>.
	reply, err = app.RequestMsg(msgWithID(api.TelemetrySubject(ana.userID(), "not-a-uuid"), "bad-1", data), 10*time.Second)
	require.NoError(t, err)
	doc.Payload(t, "pubAckRefusal", reply.Data)
	var refusal bus.PubAckRefusal
	require.NoError(t, json.Unmarshal(reply.Data, &refusal))
	assert.Equal(t, http.StatusBadRequest, refusal.Error.Code)
	_, err = js.PublishMsg(ctx, msgWithID(api.TelemetrySubject(ana.userID(), "not-a-uuid"), "bad-2", data))
	var apiErr *jetstream.APIError
	require.ErrorAs(t, err, &apiErr, "a stock client raises it")
	assert.Equal(t, http.StatusBadRequest, apiErr.Code)

	at := tr.next()
	bad := fmt.Sprintf(`{"points":[{"t":%q,"lat":0,"lon":0},{"t":%q,"lat":%v,"lon":13.4}]}`,
		at.Format(time.RFC3339Nano), at.Add(time.Second).Format(time.RFC3339Nano), tr.lat)
	_, err = js.PublishMsg(ctx, msgWithID(subject, s.ID+"-3", []byte(bad)))
	require.NoError(t, err, "acknowledged, then stored with a point left out")
	r, err := refusals.NextMsg(10 * time.Second)
	require.NoError(t, err)
	doc.Payload(t, "refused", r.Data)
	var told bus.Refused
	require.NoError(t, json.Unmarshal(r.Data, &told))
	assert.Equal(t, s.ID+"-3", told.MsgID)
	assert.Equal(t, map[string]int{"null_island": 1}, told.Dropped)
	assert.Equal(t, 1, told.Accepted)

	for sub, got := range strangers {
		assert.Equal(t, 1, stranger.violations(sub), "a stranger may not subscribe to %s", sub)
		m, _ := got.NextMsg(100 * time.Millisecond)
		assert.Nil(t, m, "a stranger received %s", sub)
	}
	assert.Zero(t, app.reconnects.Load())
}

// A stock JetStream client that retries a publish sends it again with the
// same Nats-Msg-Id: its points are stored once. A client without the
// user's inbox prefix gets no answer, and nothing is stored: the server
// refuses the client's inbox subscription (a permission violation) and
// tells refused.<user> why; the retry on a proper connection, with the
// same id, stores it once.
func TestTelemetryRetriedWithTheSameMsgIDIsStoredOnce(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	doc := asyncAPI(t, a)
	ana := signInApp(t, a, "ana@example.com")
	s := startSession(t, a, ana.token())
	subject := api.TelemetrySubject(ana.userID(), s.ID)
	tr := newTrack()
	data := tr.message(t, 30)
	svc := bustest.Conn(t, a.NATS)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	inStream := func() uint64 {
		st, err := svc.JS.Stream(ctx, bus.StreamTelemetry)
		require.NoError(t, err)
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject))
		require.NoError(t, err)
		return info.State.Subjects[subject]
	}

	// Without the inbox prefix.
	var info clientapi.RealtimeInfo
	a.Do(http.MethodGet, "/v1/realtime", ana.token(), nil).JSON(t, &info)
	bare := dial(t, info, nats.TokenHandler(ana.token))
	told, err := bare.SubscribeSync(bus.SubjectRefused + ana.userID())
	require.NoError(t, err)
	bareJS, err := jetstream.New(bare.Conn)
	require.NoError(t, err)
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	_, err = bareJS.PublishMsg(short, msgWithID(subject, "m-1", data))
	cancelShort()
	require.Error(t, err, "no answer without the inbox prefix")
	r, err := told.NextMsg(30 * time.Second)
	require.NoError(t, err)
	doc.Payload(t, "refused", r.Data)
	var refused bus.Refused
	require.NoError(t, json.Unmarshal(r.Data, &refused))
	assert.Equal(t, bus.CodeForbidden, refused.Code)
	assert.Equal(t, "m-1", refused.MsgID)
	require.Eventually(t, func() bool {
		bare.mu.Lock()
		defer bare.mu.Unlock()
		for _, err := range bare.errs {
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), "_INBOX.") {
				return true
			}
		}
		return false
	}, 30*time.Second, 10*time.Millisecond, "the client's own inbox subscription is refused")
	assert.Zero(t, inStream(), "not stored")

	// As documented: published, then published again with the same id
	// (the retry of a client whose acknowledgement was lost).
	app := connectAsDocumented(t, ana)
	js, err := jetstream.New(app.Conn)
	require.NoError(t, err)
	first, err := js.PublishMsg(ctx, msgWithID(subject, "m-1", data))
	require.NoError(t, err)
	assert.False(t, first.Duplicate)
	again, err := js.PublishMsg(ctx, msgWithID(subject, "m-1", data))
	require.NoError(t, err)
	assert.True(t, again.Duplicate, "acknowledged as a duplicate")
	assert.Equal(t, first.Sequence, again.Sequence)
	reply, err := app.RequestMsg(msgWithID(subject, "m-1", data), 10*time.Second)
	require.NoError(t, err)
	doc.Payload(t, "pubAck", reply.Data)
	var dup bus.PubAck
	require.NoError(t, json.Unmarshal(reply.Data, &dup))
	assert.True(t, dup.Duplicate)

	assert.EqualValues(t, 1, inStream(), "stored once")
	require.Eventually(t, func() bool { return getSession(t, a, ana.token(), s.ID).PointsStored == 30 }, 10*time.Second, 50*time.Millisecond)
	time.Sleep(time.Second)
	assert.Equal(t, 30, getSession(t, a, ana.token(), s.ID).PointsStored, "its points once")
}

// Connected for what would be hours with 15-minute tokens: with access
// tokens of 6 s, the server closes the connection at every expiry and the
// documented client (a token callback, the token refreshed over HTTP at
// half its life) reconnects with the fresh token each time, resubscribes,
// and keeps publishing telemetry (acknowledged, a retry with the same
// Nats-Msg-Id where an acknowledgement was lost) and receiving live
// figures. A static token, as the docs once showed, dies at the first
// expiry.
func TestConnectionOutlivesItsAccessTokens(t *testing.T) {
	t.Parallel()
	// 6 s: a token's expiry is in whole seconds, and the app refreshes at
	// half its life, so a reconnect under load still has seconds of the
	// token left (with 3 s, CI once saw a reconnect refused "expired
	// access token" twice, after which a stock client gives up).
	const ttl = 6 * time.Second
	a := apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) { m.Client.AccessTokenTTL = ttl }, "client", "training")
	doc := asyncAPI(t, a)
	ana := signInApp(t, a, "ana@example.com")
	require.Equal(t, 6, ana.tok.ExpiresIn)

	var info clientapi.RealtimeInfo
	a.Do(http.MethodGet, "/v1/realtime", ana.token(), nil).JSON(t, &info)
	static := dial(t, info, nats.Token(ana.token()), nats.CustomInboxPrefix(info.InboxPrefix))

	app := connectAsDocumented(t, ana)
	var mu sync.Mutex
	var figures []api.LiveStats
	_, err := app.Subscribe(api.LiveSessionSubjects(ana.userID()), func(m *nats.Msg) {
		var ls api.LiveStats
		if json.Unmarshal(m.Data, &ls) == nil {
			mu.Lock()
			figures = append(figures, ls)
			mu.Unlock()
		}
	})
	require.NoError(t, err)
	require.NoError(t, app.Flush())
	s := startSession(t, a, ana.token())
	subject := api.TelemetrySubject(ana.userID(), s.ID)
	js, err := jetstream.New(app.Conn)
	require.NoError(t, err)

	tr := newTrack()
	deadline := time.Now().Add(90 * time.Second)
	var acked, retries int
	// publish sends message i until it is acknowledged.
	publish := func(i int) {
		t.Helper()
		ana.refreshIfDue()
		data := tr.message(t, 2)
		if i == 1 {
			doc.Payload(t, "telemetry", data)
		}
		id := fmt.Sprintf("%s-%d", s.ID, i)
		for try := 0; ; try++ {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			_, err := js.PublishMsg(ctx, msgWithID(subject, id, data))
			cancel()
			if err == nil {
				acked++
				return
			}
			// Lost in a reconnect: the same message again, same id.
			require.Less(t, try, 10, "message %d never acknowledged: %v", i, err)
			retries++
			ana.refreshIfDue()
		}
	}
	i := 1
	for ; time.Now().Before(deadline); i++ {
		publish(i)
		if ana.refreshes() >= 4 && app.reconnects.Load() >= 4 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.GreaterOrEqual(t, ana.refreshes(), 3, "refreshes")
	require.GreaterOrEqual(t, app.reconnects.Load(), int32(3), "the connection was renewed at the tokens' expiry")
	select {
	case <-app.closed:
		t.Fatal("the documented connection closed for good")
	default:
	}
	assert.True(t, app.IsConnected())
	// The server said why it closed the connection (the client's error
	// handler hears "nats: authentication expired"), then closed it.
	assert.GreaterOrEqual(t, app.count(nats.ErrAuthExpired), 2, "the server closed it at the tokens' expiry: %v", app.asyncErrors())
	assert.GreaterOrEqual(t, len(app.disconnectErrors()), 3)
	t.Logf("%d messages acknowledged (%d retried), %d refreshes, %d reconnects", acked, retries, ana.refreshes(), app.reconnects.Load())

	// Still usable after the last renewal: a message published now (its
	// figures exist only once it is stored) is acknowledged, and its
	// figures, those of every acknowledged message, arrive.
	publish(i + 1)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(figures) > 0 && figures[len(figures)-1].Points == 2*acked
	}, 30*time.Second, 20*time.Millisecond, "the live figures of every acknowledged message")
	assert.Equal(t, 2*acked, getSession(t, a, ana.token(), s.ID).PointsStored, "every point once, retries or not")

	// The static token: closed for good after its expiry.
	select {
	case <-static.closed:
		assert.ErrorIs(t, static.LastError(), nats.ErrAuthorization)
	case <-time.After(10 * time.Second):
		t.Fatal("a connection with a static token survived its token")
	}
}
