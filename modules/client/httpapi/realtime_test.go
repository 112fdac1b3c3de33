package httpapi_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/client"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/platform"
)

// appNATS is the app's NATS connection, with the errors the server sent it.
type appNATS struct {
	*nats.Conn
	errs chan error
}

// connectRealtime connects as the app does: to the URL GET /v1/realtime
// gives, with the access token and the inbox prefix it names.
func connectRealtime(t *testing.T, info api.RealtimeInfo, token string, opts ...nats.Option) (*appNATS, error) {
	t.Helper()
	errs := make(chan error, 64)
	opts = append([]nats.Option{
		nats.Token(token),
		nats.CustomInboxPrefix(info.InboxPrefix),
		nats.ReconnectWait(50 * time.Millisecond),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}),
	}, opts...)
	nc, err := nats.Connect(info.WebSocketURL, opts...)
	if err != nil {
		return nil, err
	}
	t.Cleanup(nc.Close)
	return &appNATS{Conn: nc, errs: errs}, nil
}

// refused waits for the server's permission violation about subject.
func (c *appNATS) refused(t *testing.T, subject string) {
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
			t.Fatalf("%s was not refused", subject)
		}
	}
}

func (c *appNATS) accepted(t *testing.T) {
	t.Helper()
	require.NoError(t, c.Flush())
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-c.errs:
		t.Fatalf("refused: %v", err)
	default:
	}
}

func realtimeInfo(t *testing.T, a *apptest.App, token string) api.RealtimeInfo {
	t.Helper()
	r := a.Do(http.MethodGet, "/v1/realtime", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var info api.RealtimeInfo
	r.JSON(t, &info)
	return info
}

// socialGrants stands in for the social module: it grants chat.<group>
// for the groups the test says a user is in.
type socialGrants struct {
	mu     sync.Mutex
	groups map[string][]string
}

func (s *socialGrants) set(user string, groups ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[user] = groups
}

// socialSource is the grant source socialGrants answers as: the social
// module, as the registry will list it.
var socialSource = client.GrantSource{Module: "social", Subject: "rpc.social.realtime.grants", Prefix: "chat.",
	Changed: "evt.social.realtime.grants_changed"}

func serveSocialGrants(t *testing.T, nc *nats.Conn) *socialGrants {
	s := &socialGrants{groups: map[string][]string{}}
	_, err := nc.Subscribe(socialSource.Subject, func(m *nats.Msg) {
		var req struct {
			UserID string `json:"user_id"`
		}
		_ = json.Unmarshal(m.Data, &req)
		s.mu.Lock()
		out := struct {
			Subscribe []string `json:"subscribe"`
		}{Subscribe: []string{}}
		for _, g := range s.groups[req.UserID] {
			out.Subscribe = append(out.Subscribe, "chat."+g)
		}
		s.mu.Unlock()
		data, _ := json.Marshal(out)
		_ = m.Respond(data)
	})
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	return s
}

func TestRealtime(t *testing.T) {
	t.Parallel()
	a := apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) {
		m.Client.Grants = append(m.Client.Grants, socialSource)
	}, "client")
	svc := bustest.Conn(t, a.NATS)
	ana := a.SignUp("ana@example.com")
	bob := a.SignUp("bob@example.com")

	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/realtime", "", nil).Status)

	// Without the social and training modules: the user's own subjects.
	info := realtimeInfo(t, a, ana.AccessToken)
	assert.Equal(t, a.WebSocketURL, info.WebSocketURL)
	assert.Equal(t, []string{a.WebSocketURL}, info.WebSocketURLs, "the one node, first and only")
	assert.Equal(t, "_INBOX_"+ana.UserID, info.InboxPrefix)
	assert.Equal(t, []string{"live.telemetry." + ana.UserID + ".*", "chat.in." + ana.UserID + ".*"}, info.Publish)
	assert.Equal(t, []string{"live.session." + ana.UserID + ".>", "notify." + ana.UserID, "refused." + ana.UserID,
		"_INBOX_" + ana.UserID + ".>"}, info.Subscribe)
	assert.WithinDuration(t, time.Now().Add(15*time.Minute), info.ExpiresAt, time.Minute)
	assert.Equal(t, api.RealtimeLimits{MaxPayloadBytes: 256 << 10, MaxSubscriptions: 1000, MaxConnections: 10}, info.Limits)

	// With them: what they grant.
	social := serveSocialGrants(t, svc.NC)
	social.set(ana.UserID, "g1", "g2")
	info = realtimeInfo(t, a, ana.AccessToken)
	assert.Contains(t, info.Subscribe, "chat.g1")
	assert.Contains(t, info.Subscribe, "chat.g2")

	reconnected := make(chan struct{}, 4)
	app, err := connectRealtime(t, info, ana.AccessToken, nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	require.NoError(t, err)

	// Its own telemetry reaches the server side (in the app account,
	// where the training module answers it); another user's is refused.
	appSide := bustest.AppConn(t, a.NATS)
	telemetry, err := appSide.SubscribeSync("live.telemetry.>")
	require.NoError(t, err)
	require.NoError(t, appSide.Flush())
	require.NoError(t, app.Publish("live.telemetry."+ana.UserID+".s1", []byte(`{"points":[{"t":"2026-11-26T08:00:00Z","lat":52.5,"lon":13.4}]}`)))
	app.accepted(t)
	m, err := telemetry.NextMsg(30 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, "live.telemetry."+ana.UserID+".s1", m.Subject)
	require.NoError(t, app.Publish("live.telemetry."+bob.UserID+".s1", []byte(`{"points":[]}`)))
	app.refused(t, "live.telemetry."+bob.UserID+".s1")
	_, err = telemetry.NextMsg(200 * time.Millisecond)
	assert.ErrorIs(t, err, nats.ErrTimeout, "another user's telemetry never arrives")

	// Its own notifications, not Bob's.
	notes, err := app.SubscribeSync("notify." + ana.UserID)
	require.NoError(t, err)
	app.accepted(t)
	require.NoError(t, svc.NC.Publish("notify."+ana.UserID, []byte(`{"text":"hi"}`)))
	_, err = notes.NextMsg(30 * time.Second)
	require.NoError(t, err)
	bobs, err := app.SubscribeSync("notify." + bob.UserID)
	require.NoError(t, err)
	app.refused(t, "notify."+bob.UserID)
	require.NoError(t, bobs.Unsubscribe())

	// A group it is in; then it leaves the group.
	chat, err := app.SubscribeSync("chat.g1")
	require.NoError(t, err)
	app.accepted(t)
	require.NoError(t, svc.NC.Publish("chat.g1", []byte("hello")))
	_, err = chat.NextMsg(30 * time.Second)
	require.NoError(t, err)

	social.set(ana.UserID, "g2")
	ev, _ := json.Marshal(map[string]any{"user_ids": []string{ana.UserID}})
	require.NoError(t, svc.NC.Publish(socialSource.Changed, ev))
	select {
	case <-reconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("the user's connection was not closed when its grants changed")
	}
	app.refused(t, "chat.g1") // resubscribed on reconnect
	require.NoError(t, svc.NC.Publish("chat.g1", []byte("after")))
	_, err = chat.NextMsg(200 * time.Millisecond)
	assert.ErrorIs(t, err, nats.ErrTimeout)
	assert.NotContains(t, realtimeInfo(t, a, ana.AccessToken).Subscribe, "chat.g1")
}

func TestRealtimeRefusesWhatIsNotAnAppWithAValidToken(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	ana := a.SignUp("ana@example.com")
	info := realtimeInfo(t, a, ana.AccessToken)

	// Plain TCP, even with a good token.
	_, err := nats.Connect(a.NATS.Server.ClientURL(), nats.Token(ana.AccessToken))
	refused(t, err, "TCP")

	key := signingKey(t, a, a.DataDir)
	now := time.Now()
	expired := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"iss": api.TokenIssuer, "aud": api.TokenAudience,
		"sub": ana.UserID, "role": "user", "iat": now.Add(-time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix()})
	expired.Header["kid"] = key.ID
	expiredToken, err := expired.SignedString(key.Private)
	require.NoError(t, err)
	for name, token := range map[string]string{"expired": expiredToken, "garbage": "garbage", "none": ""} {
		_, err := connectRealtime(t, info, token)
		refused(t, err, name)
	}
	_, err = connectRealtime(t, info, ana.AccessToken)
	require.NoError(t, err)
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
