package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
)

// TestCORS calls the API as a browser does from a web app at
// https://app.example.com: a preflight, then the request itself; and from
// an origin that is not allowed.
func TestCORS(t *testing.T) {
	t.Parallel()
	a := apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) {
		m.Gateway.CORSOrigins = []string{"https://app.example.com", "http://localhost:5173"}
	}, "client")
	tok := a.SignUp("ana@example.com")

	preflight := func(origin, path, method, headers string) apptest.Response {
		h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
		if headers != "" {
			h.Set("Access-Control-Request-Headers", headers)
		}
		return a.DoWith(http.MethodOptions, path, "", nil, h)
	}

	// A preflight for every route, with or without path parameters, even
	// one the server does not know (the browser then gets the 404 itself).
	for _, c := range []struct{ path, method string }{
		{"/v1/me", http.MethodGet},
		{"/v1/me/gear", http.MethodPost},
		{"/v1/me/gear/0190a7c4-0000-7000-8000-000000000001", http.MethodPatch},
		{"/v1/sessions/0190a7c4-0000-7000-8000-000000000001/route", http.MethodGet},
		{"/v1/no-such-thing", http.MethodDelete},
	} {
		r := preflight("https://app.example.com", c.path, c.method, "authorization, content-type, idempotency-key, if-none-match")
		require.Equal(t, http.StatusNoContent, r.Status, "%s %s: %s", c.method, c.path, r.Body)
		assert.Equal(t, "https://app.example.com", r.Header.Get("Access-Control-Allow-Origin"))
		methods := r.Header.Get("Access-Control-Allow-Methods")
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			assert.Contains(t, methods, m)
		}
		allowed := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"authorization", "content-type", "idempotency-key", "if-none-match", "x-request-id"} {
			assert.Contains(t, allowed, h)
		}
		assert.Empty(t, r.Header.Get("Access-Control-Allow-Credentials"), "tokens go in a header, not cookies")
		assert.Equal(t, "3600", r.Header.Get("Access-Control-Max-Age"))
		assert.True(t, varies(r.Header, "Origin"), "Vary: %q", r.Header.Values("Vary"))
		assert.Empty(t, r.Body)
	}

	// The request itself: the script may read the answer and the headers
	// exposed to it; an error answer too.
	r := a.DoWith(http.MethodGet, "/v1/me", tok.AccessToken, nil, http.Header{"Origin": {"http://localhost:5173"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, "http://localhost:5173", r.Header.Get("Access-Control-Allow-Origin"))
	exposed := strings.ToLower(r.Header.Get("Access-Control-Expose-Headers"))
	for _, h := range []string{"etag", "retry-after", "ratelimit", "ratelimit-policy", "x-request-id", "location", "www-authenticate", "content-disposition"} {
		assert.Contains(t, exposed, h)
	}
	assert.True(t, varies(r.Header, "Origin"), "Vary: %q", r.Header.Values("Vary"))
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Credentials"))

	r = a.DoWith(http.MethodGet, "/v1/me", "", nil, http.Header{"Origin": {"https://app.example.com"}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, "https://app.example.com", r.Header.Get("Access-Control-Allow-Origin"), "the app may read why it failed")
	assert.Equal(t, "unauthorized", r.Problem(t).Code)

	// Another origin: the preflight and the answer carry no
	// Access-Control-Allow-Origin, so the browser keeps them from the
	// script. (The server itself still serves callers that are not
	// browsers; CORS is the browser's protection of its user.)
	r = preflight("https://evil.example.net", "/v1/me", http.MethodGet, "authorization")
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	r = a.DoWith(http.MethodGet, "/v1/me", tok.AccessToken, nil, http.Header{"Origin": {"https://evil.example.net"}})
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	// Scheme and port are part of the origin.
	r = preflight("http://app.example.com", "/v1/me", http.MethodGet, "")
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	r = preflight("http://localhost:5174", "/v1/me", http.MethodGet, "")
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))

	// An OPTIONS that is no preflight is an ordinary request, which no
	// route takes.
	r = a.DoWith(http.MethodOptions, "/v1/me", "", nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
	assert.Equal(t, "method_not_allowed", r.Problem(t).Code)
}

// TestNoCORSByDefault: without allowed origins, a browser gets no CORS
// answer at all, as before.
func TestNoCORSByDefault(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	r := a.DoWith(http.MethodOptions, "/v1/me", "", nil, http.Header{
		"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET"}})
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
	r = a.DoWith(http.MethodGet, "/.well-known/jwks.json", "", nil, http.Header{"Origin": {"https://app.example.com"}})
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
}

// varies reports whether the Vary header names name.
func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}
