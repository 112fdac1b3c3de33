package callout_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/client/internal/callout"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// The test's stand-in subjects of the module that issues watch
// credentials (the training module's in Athlos: its own tests,
// modules/training/httpapi/livepage_test.go, run the two together).
var testLiveWatch = callout.LiveWatch{Authorize: "test.live.authorize", Closed: "test.live.closed"}

// A watch credential opens the one live.watch subject its issuer names,
// for subscribing only, and its connections close when the issuer says the
// link is closed. What the issuer answers is checked: a subject that is
// not the session's, a session id that is not canonical, an expired grant
// are refused; without the issuer, every credential is.
func TestWatchCredentials(t *testing.T) {
	t.Parallel()
	e := newEnvWithoutCallout(t, nil, true)
	e.cfg.LiveWatch = testLiveWatch
	e.cfg.MaxWatchers = 2
	e.startCallout()
	session, other := uuid.New().String(), uuid.New().String()
	grants := map[string]trainingapi.LiveAuthorization{
		"lw1.good":      {SessionID: session, Subject: trainingapi.LiveWatchSubject(session), ExpiresAt: time.Now().Add(time.Minute)},
		"lw1.wide":      {SessionID: session, Subject: "live.watch.>", ExpiresAt: time.Now().Add(time.Minute)},
		"lw1.upper":     {SessionID: "A" + session[1:], Subject: "live.watch.A" + session[1:], ExpiresAt: time.Now().Add(time.Minute)},
		"lw1.expired":   {SessionID: session, Subject: trainingapi.LiveWatchSubject(session), ExpiresAt: time.Now().Add(-time.Minute)},
		"lw1.wildcard":  {SessionID: "*", Subject: "live.watch.*", ExpiresAt: time.Now().Add(time.Minute)},
		"lw1.emptyname": {},
	}
	sub, err := e.svc.NC.Subscribe(testLiveWatch.Authorize, func(m *nats.Msg) {
		var req trainingapi.LiveAuthorizeRequest
		_ = json.Unmarshal(m.Data, &req)
		data, _ := json.Marshal(grants[req.Credential])
		_ = m.Respond(data)
	})
	require.NoError(t, err)
	require.NoError(t, e.svc.NC.Flush())
	t.Cleanup(func() { _ = sub.Unsubscribe() })

	for _, cred := range []string{"lw1.wide", "lw1.upper", "lw1.expired", "lw1.wildcard", "lw1.emptyname", "lw1.unknown"} {
		_, err := e.connect(uuid.New(), cred, nats.NoReconnect())
		refused(t, err, cred)
	}

	closed := make(chan struct{})
	w, err := e.connect(uuid.New(), "lw1.good", nats.NoReconnect(), nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	require.NoError(t, err)
	figures, err := w.SubscribeSync(trainingapi.LiveWatchSubject(session))
	require.NoError(t, err)
	w.noViolation(t)
	require.NoError(t, e.svc.NC.Publish(trainingapi.LiveWatchSubject(session), []byte(`{"points": 1}`)))
	assert.JSONEq(t, `{"points": 1}`, string(receive(t, figures).Data))
	for _, subject := range []string{trainingapi.LiveWatchSubject(other), "live.watch.>", "_INBOX.>", "notify." + session, ">"} {
		_, err := w.SubscribeSync(subject)
		require.NoError(t, err)
		w.violation(t, subject)
	}
	for _, subject := range []string{trainingapi.LiveWatchSubject(session), "live.telemetry." + session + ".x", "$JS.API.INFO", "chat.in.x.y"} {
		require.NoError(t, w.Publish(subject, []byte("{}")))
		w.violation(t, subject)
	}

	// Two connections of the session's credentials at most (the bound is
	// 2 here), whoever makes them.
	second, err := e.connect(uuid.New(), "lw1.good", nats.NoReconnect())
	require.NoError(t, err)
	_, err = e.connect(uuid.New(), "lw1.good", nats.NoReconnect())
	refused(t, err, "a third watcher")
	second.Close()
	require.Eventually(t, func() bool {
		c, err := e.connect(uuid.New(), "lw1.good", nats.NoReconnect())
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 100*time.Millisecond, "a watcher gone makes room")

	// The issuer closes the link: the connection goes.
	data, _ := json.Marshal(trainingapi.LiveLinkClosed{SessionID: session})
	require.NoError(t, e.svc.NC.Publish(testLiveWatch.Closed, data))
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher stayed connected after the link closed")
	}
}

// A callout with no issuer of watch credentials refuses them.
func TestWatchCredentialsWithoutIssuer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.connect(uuid.New(), "lw1.good", nats.NoReconnect())
	refused(t, err, "no issuer")
}
