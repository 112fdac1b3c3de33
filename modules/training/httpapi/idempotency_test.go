package httpapi_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// TestIdempotentCreation: starting a session, adding a device and
// creating a share link with an Idempotency-Key, sent again after a lost
// answer, answer the first result and create nothing more; the key is
// the caller's and the operation's; misuse, malformed keys, unknown and
// other users' sessions are refused and record nothing.
func TestIdempotentCreation(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	post := func(token, path string, body any, keys ...string) apptest.Response {
		h := http.Header{}
		for _, k := range keys {
			h.Add("Idempotency-Key", k)
		}
		return a.DoWith(http.MethodPost, path, token, body, h)
	}
	countOf := func(token, path string) int {
		r := a.Do(http.MethodGet, path+"?limit=100", token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		r.JSON(t, &page)
		return len(page.Items)
	}

	// Sessions.
	run := map[string]any{"sport": "run", "title": "Morning run"}
	first := post(ana, "/v1/sessions", run, "start-1")
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	again := post(ana, "/v1/sessions", run, `"start-1"`)
	assert.Equal(t, http.StatusCreated, again.Status)
	assert.Equal(t, first.Body, again.Body)
	assert.Equal(t, 1, countOf(ana, "/v1/sessions"))
	r := post(ana, "/v1/sessions", map[string]any{"sport": "ride"}, "start-1")
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Equal(t, "idempotency_key_reused", r.Problem(t).Code)
	r = post(bob, "/v1/sessions", run, "start-1")
	require.Equal(t, http.StatusCreated, r.Status)
	assert.NotEqual(t, first.Body, r.Body, "Bob's key is his own")
	// Bad input records nothing: the key works afterwards.
	assert.Equal(t, http.StatusBadRequest, post(ana, "/v1/sessions", map[string]any{"sport": "chess"}, "start-2").Status)
	assert.Equal(t, http.StatusBadRequest, post(ana, "/v1/sessions",
		map[string]any{"sport": "run", "device_id": "0190a7c4-0000-7000-8000-000000000001"}, "start-2").Status)
	require.Equal(t, http.StatusCreated, post(ana, "/v1/sessions", run, "start-2").Status)
	assert.Equal(t, 2, countOf(ana, "/v1/sessions"))

	// Devices: the same key on another operation is another key.
	watch := map[string]any{"kind": "watch", "name": "Forerunner"}
	d1 := post(ana, "/v1/me/devices", watch, "start-1")
	require.Equal(t, http.StatusCreated, d1.Status, string(d1.Body))
	d2 := post(ana, "/v1/me/devices", watch, "start-1")
	assert.Equal(t, d1.Body, d2.Body)
	assert.Equal(t, 1, countOf(ana, "/v1/me/devices"))
	assert.Equal(t, http.StatusUnprocessableEntity, post(ana, "/v1/me/devices", map[string]any{"kind": "phone", "name": "Pixel"}, "start-1").Status)

	// Share links: a retry gets the same token, even after the session
	// was closed; a new link without the key replaces it.
	var s api.Session
	first.JSON(t, &s)
	share := "/v1/sessions/" + s.ID + "/share"
	l1 := post(ana, share, nil, "share-1")
	require.Equal(t, http.StatusOK, l1.Status, string(l1.Body))
	var link api.ShareLink
	l1.JSON(t, &link)
	require.NotEmpty(t, link.ShareToken)
	l2 := post(ana, share, nil, "share-1")
	assert.Equal(t, l1.Body, l2.Body)
	// Another session, or another user's, or an unknown one, with the
	// key: refused or not found, recording nothing.
	var other api.Session
	post(ana, "/v1/sessions", run, "start-2").JSON(t, &other) // a replay: the second session
	assert.Equal(t, http.StatusUnprocessableEntity, post(ana, "/v1/sessions/"+other.ID+"/share", nil, "share-1").Status)
	assert.Equal(t, http.StatusNotFound, post(bob, share, nil, "share-2").Status)
	assert.Equal(t, http.StatusNotFound, post(ana, "/v1/sessions/0190a7c4-0000-7000-8000-000000000001/share", nil, "share-2").Status)
	require.Equal(t, http.StatusOK, post(ana, "/v1/sessions/"+other.ID+"/share", nil, "share-2").Status, "share-2 was free")
	// Bob's retries with Ana's key never see her token.
	r = post(bob, share, nil, "share-1")
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.NotContains(t, string(r.Body), link.ShareToken)

	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana, nil).Status)
	l3 := post(ana, share, nil, "share-1")
	assert.Equal(t, http.StatusOK, l3.Status, "a retry of a link made before the finish")
	assert.Equal(t, l1.Body, l3.Body)
	assert.Equal(t, http.StatusConflict, post(ana, share, nil).Status, "a new link for a closed session")

	// Malformed keys on every operation: 400, before anything is made.
	for _, path := range []string{"/v1/sessions", "/v1/me/devices", "/v1/sessions/" + other.ID + "/share"} {
		for _, key := range []string{"", `""`, strings.Repeat("x", 256), "caf\xc3\xa9", `"open`} {
			r := post(ana, path, map[string]any{"sport": "run", "kind": "watch", "name": "x"}, key)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s %q: %s", path, key, r.Body)
			assert.Equal(t, []string{"header.Idempotency-Key"}, r.Problem(t).Fields())
		}
	}
	assert.Equal(t, 2, countOf(ana, "/v1/sessions"))
	assert.Equal(t, 1, countOf(ana, "/v1/me/devices"))

	// Many starts at once with one key: one session.
	statuses := make([]int, 10)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() { statuses[i] = post(bob, "/v1/sessions", run, "start-burst").Status })
	}
	wg.Wait()
	for _, st := range statuses {
		assert.Contains(t, []int{http.StatusCreated, http.StatusConflict}, st)
	}
	assert.Equal(t, 2, countOf(bob, "/v1/sessions"))
}
