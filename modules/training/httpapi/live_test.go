package httpapi_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// appConn connects to NATS over WebSocket as the app does, with the
// user's access token; errors the server sends (permission violations)
// are collected, and each reconnect is signalled on reconnected.
type appConn struct {
	nc          *nats.Conn
	mu          sync.Mutex
	errs        []error
	reconnected chan struct{}
}

func connectApp(t *testing.T, a *apptest.App, token, userID string) *appConn {
	t.Helper()
	c := &appConn{reconnected: make(chan struct{}, 16)}
	nc, err := nats.Connect(a.WebSocketURL, nats.Token(token), nats.CustomInboxPrefix("_INBOX_"+userID),
		nats.ReconnectWait(50*time.Millisecond),
		nats.ReconnectHandler(func(*nats.Conn) {
			select {
			case c.reconnected <- struct{}{}:
			default:
			}
		}),
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

// watch asks to watch session as the app does while connected: the
// grant closes c's connections once, and c is back, with the grant, when
// this returns (a connection made after the watch could instead be
// closed at any moment by the grant's late notice, and lose what came
// meanwhile).
func (c *appConn) watch(t *testing.T, a *apptest.App, token, session string, body any) {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions/"+session+"/watch", token, body)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	c.renewed(t)
}

// renewed waits until c's connection is back after being closed for new
// grants.
func (c *appConn) renewed(t *testing.T) {
	t.Helper()
	select {
	case <-c.reconnected:
	case <-time.After(30 * time.Second):
		t.Fatal("the app's connection was not renewed for its new grants")
	}
}

func (c *appConn) errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func userIDOf(t *testing.T, a *apptest.App, token string) string {
	var me struct {
		UserID string `json:"user_id"`
	}
	a.Do(http.MethodGet, "/v1/me", token, nil).JSON(t, &me)
	return me.UserID
}

// Live figures reach the owner and a watcher holding the share link, not a
// stranger; nobody may publish telemetry for another user's session.
func TestLiveStatsReachAllowedWatchersOnly(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob, eve := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken, a.SignUp("eve@example.com").AccessToken
	anaID, bobID, eveID := userIDOf(t, a, ana), userIDOf(t, a, bob), userIDOf(t, a, eve)

	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "visibility": "private"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)
	own, subject := api.LiveSessionSubject(anaID, s.ID), api.LiveWatchSubject(s.ID)

	// Without the link, Bob and Eve may not watch: the session does not
	// exist for them. Unknown and malformed ids are refused too.
	for _, tok := range []string{bob, eve} {
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", tok, nil).Status)
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", tok,
			map[string]any{"share_token": "guess"}).Status)
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", tok, nil).Status, "only the owner shares")
	}
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10/watch", ana, nil).Status)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/sessions/nope/watch", ana, nil).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", "", nil).Status)

	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var link api.ShareLink
	r.JSON(t, &link)
	require.NotEmpty(t, link.ShareToken)
	// Bob's app is connected when he asks to watch, as an app is.
	bobConn := connectApp(t, a, bob, bobID)
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", bob, map[string]any{"share_token": link.ShareToken})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var w api.Watch
	r.JSON(t, &w)
	assert.Equal(t, subject, w.Subject)
	assert.NotContains(t, string(r.Body), anaID, "a watcher is not told who the owner is")
	bobConn.renewed(t)
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &w)
	assert.Equal(t, own, w.Subject, "the owner watches on her own subject")

	// The watchers' grants are read at connect time: Bob's connection
	// was renewed by his watch; the others connect now.
	received := func(c *appConn, subject string) chan api.LiveStats {
		ch := make(chan api.LiveStats, 100)
		_, err := c.nc.Subscribe(subject, func(m *nats.Msg) {
			assert.NotContains(t, string(m.Data), anaID, "the figures do not name the owner")
			var ls api.LiveStats
			if json.Unmarshal(m.Data, &ls) == nil {
				ch <- ls
			}
		})
		require.NoError(t, err)
		require.NoError(t, c.nc.Flush())
		return ch
	}
	anaConn, eveConn := connectApp(t, a, ana, anaID), connectApp(t, a, eve, eveID)
	toAna, toBob, toEve := received(anaConn, own), received(bobConn, subject), received(eveConn, subject)
	toEveToo := received(eveConn, own)

	// Eve may not publish telemetry for Ana's session either.
	require.NoError(t, eveConn.nc.Publish(api.TelemetrySubject(anaID, s.ID), []byte(`{"points": []}`)))
	require.NoError(t, eveConn.nc.Flush())

	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": run(60, s.StartedAt)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	for name, ch := range map[string]chan api.LiveStats{"ana": toAna, "bob": toBob} {
		select {
		case ls := <-ch:
			assert.Equal(t, s.ID, ls.SessionID, name)
			assert.Equal(t, 60, ls.Points, name)
			assert.InDelta(t, 59*3, ls.DistanceM, 2, name)
			assert.InDelta(t, 59, ls.ElapsedTimeS, 1e-6, name)
			assert.InDelta(t, 3, ls.SpeedMps, 0.1, name)
			require.NotNil(t, ls.HRBpm)
			assert.Equal(t, s.StartedAt.Truncate(time.Second).UTC(), ls.LastPointT.UTC(), name)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s got no live figures", name)
		}
	}
	select {
	case ls := <-toEve:
		t.Fatalf("a stranger got live figures: %+v", ls)
	case ls := <-toEveToo:
		t.Fatalf("a stranger got the owner's live figures: %+v", ls)
	case <-time.After(300 * time.Millisecond):
	}
	require.Eventually(t, func() bool { return len(eveConn.errors()) >= 3 }, 30*time.Second, 20*time.Millisecond)
	for _, err := range eveConn.errors() {
		assert.ErrorContains(t, err, "Permissions Violation")
	}
	assert.Empty(t, bobConn.errors())

	// Revoking the link closes Bob's connection once; reconnected, he may
	// no longer subscribe.
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID+"/share", ana, nil).Status)
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", bob, map[string]any{"share_token": link.ShareToken})
	assert.Equal(t, http.StatusNotFound, r.Status, "a revoked link lets nobody in")
	var grants struct {
		Subscribe []string `json:"subscribe"`
	}
	a.Do(http.MethodGet, "/v1/realtime", bob, nil).JSON(t, &grants)
	assert.NotContains(t, grants.Subscribe, subject)
	a.Do(http.MethodGet, "/v1/realtime", ana, nil).JSON(t, &grants)
	assert.Contains(t, grants.Subscribe, api.LiveSessionSubjects(anaID), "the owner may watch her sessions")
	assert.NotContains(t, grants.Subscribe, subject, "on her own subject")

	// A finished session can no longer be shared or watched.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil).Status)
	assert.Equal(t, http.StatusConflict, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil).Status)
	assert.Equal(t, http.StatusConflict, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", ana, nil).Status)
}

// A change takes the grant from exactly those no longer entitled: making
// a public session private, those let in because it was public; a new
// link, those who came with the old one.
func TestWatchersLoseTheGrantWhenNoLongerEntitled(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob, eve := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken, a.SignUp("eve@example.com").AccessToken
	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "visibility": "public"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)
	subject := api.LiveWatchSubject(s.ID)
	granted := func(token string) bool {
		var g struct {
			Subscribe []string `json:"subscribe"`
		}
		a.Do(http.MethodGet, "/v1/realtime", token, nil).JSON(t, &g)
		for _, x := range g.Subscribe {
			if x == subject {
				return true
			}
		}
		return false
	}
	var link api.ShareLink
	a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil).JSON(t, &link)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", eve, nil).Status, "public: anyone")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", bob, map[string]any{"share_token": link.ShareToken}).Status)
	assert.True(t, granted(eve))
	assert.True(t, granted(bob))

	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"visibility": "private"}).Status)
	assert.False(t, granted(eve), "let in because it was public")
	assert.True(t, granted(bob), "holds the link")

	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil).Status)
	assert.False(t, granted(bob), "a new link replaces the old one")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", bob,
		map[string]any{"share_token": link.ShareToken}).Status, "the old link lets nobody in")
	assert.False(t, granted(ana), "the owner watches on her own subject")
	var g struct {
		Subscribe []string `json:"subscribe"`
	}
	a.Do(http.MethodGet, "/v1/realtime", ana, nil).JSON(t, &g)
	assert.Contains(t, g.Subscribe, api.LiveSessionSubjects(userIDOf(t, a, ana)), "the owner always")
}
