package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// watcherConn is a NATS WebSocket connection made with a watch credential:
// it records the server's errors and when it is closed.
type watcherConn struct {
	nc     *nats.Conn
	mu     sync.Mutex
	errs   []error
	closed chan struct{}
}

func connectWatcher(t *testing.T, a *apptest.App, cred string) (*watcherConn, error) {
	t.Helper()
	w := &watcherConn{closed: make(chan struct{})}
	nc, err := nats.Connect(a.WebSocketURL, nats.Token(cred), nats.NoReconnect(),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.errs = append(w.errs, err)
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(w.closed) }))
	if err != nil {
		return nil, err
	}
	t.Cleanup(nc.Close)
	w.nc = nc
	return w, nil
}

func (w *watcherConn) errors() []error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]error(nil), w.errs...)
}

// liveSession starts a shared session of a new user named Ana Lima: its
// id, Ana's token and id, and the share token.
func liveSession(t *testing.T, a *apptest.App, email string) (s api.Session, token, userID, share string) {
	t.Helper()
	token = a.SignUp(email).AccessToken
	userID = userIDOf(t, a, token)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", token, map[string]any{"first_name": "Ana", "last_name": "Lima"}).Status)
	r := a.Do(http.MethodPost, "/v1/sessions", token, map[string]any{"sport": "run", "visibility": "private"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &s)
	var link api.ShareLink
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &link)
	return s, token, userID, link.ShareToken
}

// The share token gets anyone, without an account, what the link grants:
// the session as watchers see it and a credential that may subscribe to
// its live.watch subject and do nothing else; never the owner's id.
func TestLivePageCredential(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	s, ana, anaID, share := liveSession(t, a, "ana@example.com")
	other, _, _, otherShare := liveSession(t, a, "cara@example.com")
	r := a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": run(30, s.StartedAt)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	issued := time.Now()
	r = a.Do(http.MethodPost, "/v1/live/"+share, "", nil)
	answered := time.Now()
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var v api.LiveView
	r.JSON(t, &v)
	assert.Equal(t, "Ana Lima", v.AthleteName)
	assert.Equal(t, "run", v.Sport)
	assert.Equal(t, "active", v.State)
	assert.Equal(t, api.LiveWatchSubject(s.ID), v.Subject)
	assert.Equal(t, a.WebSocketURL, v.WebSocketURL)
	assert.Equal(t, 30, v.Figures.Points)
	assert.InDelta(t, 29*3, v.Figures.DistanceM, 2)
	require.Len(t, v.Track, 1)
	assert.Len(t, v.Track[0], 30)
	assert.True(t, strings.HasPrefix(v.NATSToken, api.LiveCredentialPrefix))
	// The credential's life from the request's time, in whole seconds:
	// bounded by the times around the request, however long it took.
	assert.False(t, v.ExpiresAt.Before(issued.Add(api.LiveCredentialTTL).Truncate(time.Second)), "expires %v", v.ExpiresAt)
	assert.False(t, v.ExpiresAt.After(answered.Add(api.LiveCredentialTTL).Add(time.Second)), "expires %v", v.ExpiresAt)
	assert.NotContains(t, string(r.Body), anaID, "the page never names the account")
	assert.NotContains(t, string(r.Body), other.ID, "nor another session")

	// The credential: live.watch.<session> and nothing else.
	w, err := connectWatcher(t, a, v.NATSToken)
	require.NoError(t, err)
	figures := make(chan *nats.Msg, 10)
	_, err = w.nc.ChanSubscribe(v.Subject, figures)
	require.NoError(t, err)
	for _, subject := range []string{api.LiveWatchSubject(other.ID), api.LiveSessionSubjects(anaID), "notify." + anaID, "live.>", ">",
		"_INBOX.>", "$JS.API.>", "evt.training.>"} {
		_, err := w.nc.SubscribeSync(subject)
		require.NoError(t, err)
	}
	for _, subject := range []string{api.TelemetrySubject(anaID, s.ID), api.LiveWatchSubject(s.ID), "rpc.training.sessions.share", "$JS.API.INFO"} {
		require.NoError(t, w.nc.Publish(subject, []byte(`{"points": []}`)))
	}
	_, err = w.nc.Request("rpc.training.live.credential", []byte(`{"share_token": "`+share+`"}`), time.Second)
	assert.Error(t, err, "no request: the connection may not publish, nor has an inbox")
	require.NoError(t, w.nc.Flush())
	require.Eventually(t, func() bool { return len(w.errors()) >= 8+4 }, 10*time.Second, 20*time.Millisecond)
	for _, err := range w.errors() {
		assert.ErrorContains(t, err, "Permissions Violation")
	}
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": run(10, s.StartedAt.Add(10*time.Second))})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	// (The figures of the first batch may come first: one a second.)
	for got := false; !got; {
		select {
		case m := <-figures:
			assert.NotContains(t, string(m.Data), anaID)
			var ls api.LiveStats
			require.NoError(t, json.Unmarshal(m.Data, &ls))
			got = ls.Points > 30
		case <-time.After(10 * time.Second):
			t.Fatal("the watcher got no figures")
		}
	}

	// Forged, altered, expired-looking, access tokens of nobody: refused.
	for _, bad := range []string{v.NATSToken + "x", api.LiveCredentialPrefix + "AAAA.BBBB", strings.Replace(v.NATSToken, ".", ".A", 1), "lw1."} {
		_, err := connectWatcher(t, a, bad)
		assert.Error(t, err, bad)
	}
	// Another session's link does not open this one, nor this one's.
	var ov api.LiveView
	a.Do(http.MethodPost, "/v1/live/"+otherShare, "", nil).JSON(t, &ov)
	assert.Equal(t, api.LiveWatchSubject(other.ID), ov.Subject)
	wo, err := connectWatcher(t, a, ov.NATSToken)
	require.NoError(t, err)
	_, err = wo.nc.SubscribeSync(v.Subject)
	require.NoError(t, err)
	require.NoError(t, wo.nc.Flush())
	require.Eventually(t, func() bool { return len(wo.errors()) == 1 }, 10*time.Second, 20*time.Millisecond)

	// Bad tokens: clear problems, nothing changes.
	for path, status := range map[string]int{
		"/v1/live/" + strings.Repeat("A", 32):       http.StatusNotFound,
		"/v1/live/" + strings.Repeat("A", 31):       http.StatusBadRequest,
		"/v1/live/" + strings.Repeat("A", 31) + "!": http.StatusBadRequest,
		"/v1/live/" + strings.Repeat("A", 4000):     http.StatusBadRequest,
		"/v1/live/" + share[:31] + "%2F":            http.StatusBadRequest,
	} {
		r := a.Do(http.MethodPost, path, "", nil)
		p := r.Problem(t)
		assert.Equal(t, status, r.Status, "%s: %s", path[:min(len(path), 60)], r.Body)
		if status != http.StatusNotFound {
			assert.Contains(t, p.Fields(), "path.token", string(r.Body))
		}
	}
	assert.Equal(t, http.StatusMethodNotAllowed, a.Do(http.MethodGet, "/v1/live/"+share, "", nil).Status)

	// Revoking the link closes the watcher's connection; the link and its
	// credentials are refused from then on.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID+"/share", ana, nil).Status)
	select {
	case <-w.closed:
	case <-time.After(15 * time.Second):
		t.Fatal("revoking the link left the watcher connected")
	}
	r = a.Do(http.MethodPost, "/v1/live/"+share, "", nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "not_found", r.Problem(t).Code)
	_, err = connectWatcher(t, a, v.NATSToken)
	assert.Error(t, err, "a revoked link's credential")

	// A new link: the old credentials stay void; the new one works until
	// the session ends, which closes its connections and answers 410.
	var link api.ShareLink
	a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil).JSON(t, &link)
	a.Do(http.MethodPost, "/v1/live/"+link.ShareToken, "", nil).JSON(t, &v)
	w, err = connectWatcher(t, a, v.NATSToken)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil).Status)
	select {
	case <-w.closed:
	case <-time.After(15 * time.Second):
		t.Fatal("the session ended and the watcher stayed connected")
	}
	r = a.Do(http.MethodPost, "/v1/live/"+link.ShareToken, "", nil)
	assert.Equal(t, http.StatusGone, r.Status, string(r.Body))
	assert.Equal(t, "gone", r.Problem(t).Code)
	_, err = connectWatcher(t, a, v.NATSToken)
	assert.Error(t, err, "an ended session's credential")
}

// One address may ask so many times at once, then about once a second.
func TestLivePageThrottled(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	limited := 0
	for range 60 {
		r := a.Do(http.MethodPost, "/v1/live/"+strings.Repeat("B", 32), "", nil)
		if r.Status == http.StatusTooManyRequests {
			limited++
			assert.NotEmpty(t, r.Header.Get("Retry-After"))
			assert.Equal(t, "rate_limited", r.Problem(t).Code)
			continue
		}
		assert.Equal(t, http.StatusNotFound, r.Status)
	}
	assert.Positive(t, limited)
}
