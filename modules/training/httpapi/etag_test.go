package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
)

// TestConditionalSessionRouteAndGPX: a session, its route and its GPX
// carry ETags and answer 304 to their own tag, compressed or not; another
// user's session is 404 whatever tag is sent, and a change of the session
// changes its tag.
func TestConditionalSessionRouteAndGPX(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	id := importTrack(t, a, ana, 7, 600, 1)
	bobs := importTrack(t, a, bob, 7, 600, 1) // the same track: the same route

	get := func(token, path, ifNoneMatch, acceptEncoding string) apptest.Response {
		h := http.Header{"Accept-Encoding": {acceptEncoding}}
		if ifNoneMatch != "" {
			h.Set("If-None-Match", ifNoneMatch)
		}
		return a.DoWith(http.MethodGet, path, token, nil, h)
	}
	for _, path := range []string{"/v1/sessions/" + id, "/v1/sessions/" + id + "/route", "/v1/sessions/" + id + "/route?simplified=true",
		"/v1/sessions/" + id + "/gpx", "/v1/sessions?limit=5"} {
		first := get(ana, path, "", "identity")
		require.Equal(t, http.StatusOK, first.Status, path)
		tag := first.Header.Get("ETag")
		require.NotEmpty(t, tag, path)
		for _, enc := range []string{"identity", "gzip"} {
			r := get(ana, path, tag, enc)
			assert.Equal(t, http.StatusNotModified, r.Status, "%s %s", path, enc)
			assert.Empty(t, r.Body)
			assert.Empty(t, r.Header.Get("Content-Encoding"))
			assert.Equal(t, tag, r.Header.Get("ETag"))
			r = get(ana, path, `W/"stale"`, enc)
			assert.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, tag, r.Header.Get("ETag"))
		}
	}

	// Bob's route has the same points as Ana's; his tag is his own all
	// the same, and Ana's tag for her session gets Bob nothing but 404.
	anaRoute := get(ana, "/v1/sessions/"+id+"/route", "", "identity")
	bobRoute := get(bob, "/v1/sessions/"+bobs+"/route", "", "identity")
	require.Equal(t, http.StatusOK, bobRoute.Status)
	assert.NotEqual(t, anaRoute.Header.Get("ETag"), bobRoute.Header.Get("ETag"))
	assert.Equal(t, http.StatusOK, get(bob, "/v1/sessions/"+bobs+"/route", anaRoute.Header.Get("ETag"), "identity").Status)
	for _, path := range []string{"/v1/sessions/" + id, "/v1/sessions/" + id + "/route", "/v1/sessions/" + id + "/gpx"} {
		tag := get(ana, path, "", "identity").Header.Get("ETag")
		r := get(bob, path, tag, "identity")
		assert.Equal(t, http.StatusNotFound, r.Status, path)
		assert.Empty(t, r.Header.Get("ETag"))
		r = get(bob, path, "*", "identity")
		assert.Equal(t, http.StatusNotFound, r.Status, "If-None-Match: * on another user's session")
	}
	// Unknown ids, malformed ids: their errors, never 304.
	r := get(ana, "/v1/sessions/0190a7c4-0000-7000-8000-000000000001", "*", "identity")
	assert.Equal(t, http.StatusNotFound, r.Status)
	r = get(ana, "/v1/sessions/not-a-uuid/route", "*", "identity")
	assert.Equal(t, http.StatusBadRequest, r.Status)

	// A change of the session changes its tag.
	before := get(ana, "/v1/sessions/"+id, "", "identity").Header.Get("ETag")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/sessions/"+id, ana, map[string]any{"title": "Renamed"}).Status)
	r = get(ana, "/v1/sessions/"+id, before, "identity")
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, string(r.Body), "Renamed")
	assert.NotEqual(t, before, r.Header.Get("ETag"))
}
