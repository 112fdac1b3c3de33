package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
)

// limitOf reads one policy's RateLimit item ("name";r=R;t=T) and
// RateLimit-Policy item ("name";q=Q;w=W) from an answer.
func limitOf(t *testing.T, h http.Header, policy string) (q, w, r, tt int) {
	t.Helper()
	num := func(header, param string) int {
		m := regexp.MustCompile(`"` + regexp.QuoteMeta(policy) + `"(;[a-z]+=\d+)*;` + param + `=(\d+)`).FindStringSubmatch(h.Get(header))
		require.NotNil(t, m, "%s: %q has no %s for %s", header, h.Get(header), param, policy)
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		return n
	}
	return num("RateLimit-Policy", "q"), num("RateLimit-Policy", "w"), num("RateLimit", "r"), num("RateLimit", "t")
}

// TestRateLimitHeaders: a throttled login or registration (429) says
// which policy it hit and when to come back: RateLimit-Policy and
// RateLimit (IETF draft httpapi-ratelimit-headers) besides Retry-After.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	a := apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) {
		m.Gateway.TrustedProxies = []string{"loopback"} // the client's address comes in X-Forwarded-For
	}, "client")
	a.SignUp("ana@example.com")
	from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

	// Four failed logins of Ana from one address: 401, no quota headers.
	wrong := map[string]any{"email": "ana@example.com", "password": "wrong horse battery staple"}
	for range 4 {
		r := a.DoWith(http.MethodPost, "/v1/auth/login", "", wrong, from("198.51.100.7"))
		require.Equal(t, http.StatusUnauthorized, r.Status)
		assert.Empty(t, r.Header.Get("RateLimit"))
		assert.Empty(t, r.Header.Get("RateLimit-Policy"))
	}
	// The fifth locks the account for that address.
	for _, body := range []map[string]any{wrong, {"email": "ana@example.com", "password": apptest.Password}} {
		r := a.DoWith(http.MethodPost, "/v1/auth/login", "", body, from("198.51.100.7"))
		require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
		assert.Equal(t, "rate_limited", r.Problem(t).Code)
		retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
		require.NoError(t, err)
		q, w, left, reset := limitOf(t, r.Header, "login-account-address")
		assert.Equal(t, 5, q)
		assert.Equal(t, 900, w)
		assert.Zero(t, left)
		assert.Equal(t, retry, reset, "Retry-After is the end of the effective window")
		assert.InDelta(t, 60, reset, 2, "the first lock lasts a minute")
		assert.NotContains(t, r.Header.Get("RateLimit"), "login-address", "only the policies that lock")
	}
	// From another address Ana is not locked.
	r := a.DoWith(http.MethodPost, "/v1/auth/login", "", map[string]any{"email": "ana@example.com", "password": apptest.Password}, from("203.0.113.9"))
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Empty(t, r.Header.Get("RateLimit"))

	// Registrations: 30 from one address in 10 minutes, then 429.
	for i := range 30 {
		r := a.DoWith(http.MethodPost, "/v1/auth/register", "", map[string]any{
			"email": fmt.Sprintf("user-%d@example.com", i), "password": apptest.Password}, from("192.0.2.44"))
		require.Equal(t, http.StatusCreated, r.Status, "registration %d: %s", i, r.Body)
	}
	r = a.DoWith(http.MethodPost, "/v1/auth/register", "", map[string]any{"email": "one-too-many@example.com", "password": apptest.Password},
		from("192.0.2.44"))
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err)
	q, w, left, reset := limitOf(t, r.Header, "register-address")
	assert.Equal(t, 30, q)
	assert.Equal(t, 600, w)
	assert.Zero(t, left)
	assert.Equal(t, retry, reset)
	assert.InDelta(t, 600, reset, 2)
}
