package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/client/api"
)

// A password change signs the other sessions out at once: their access
// tokens are refused and their app connections closed, not up to 15
// minutes later when the tokens expire; the session that changed it goes
// on. A logout ends its own session's access token the same way.
func TestRevokedSessionsLoseAccessAtOnce(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	here := a.SignUp("ana@example.com")
	var elsewhere api.TokenResponse
	login(a, "ana@example.com", apptest.Password).JSON(t, &elsewhere)
	me := func(token string) int { return a.Do(http.MethodGet, "/v1/me", token, nil).Status }
	require.Equal(t, http.StatusOK, me(elsewhere.AccessToken))

	closed := make(chan struct{})
	phone, err := connectRealtime(t, realtimeInfo(t, a, elsewhere.AccessToken), elsewhere.AccessToken,
		nats.MaxReconnects(5), nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	require.NoError(t, err)
	require.True(t, phone.IsConnected())

	r := a.Do(http.MethodPut, "/v1/auth/password", here.AccessToken, map[string]any{
		"current_password": apptest.Password, "new_password": "another strong passphrase here"})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Eventually(t, func() bool { return me(elsewhere.AccessToken) == http.StatusUnauthorized }, 30*time.Second, 20*time.Millisecond,
		"the other session's access token is refused")
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the other session's app connection is still open")
	}
	assert.Equal(t, http.StatusOK, me(here.AccessToken), "the session that changed the password goes on")

	var refresh struct {
		RefreshToken string `json:"refresh_token"`
	}
	r = a.Do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": here.RefreshToken})
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &refresh)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/auth/logout", "", map[string]any{"refresh_token": refresh.RefreshToken}).Status)
	assert.Eventually(t, func() bool { return me(here.AccessToken) == http.StatusUnauthorized }, 30*time.Second, 20*time.Millisecond,
		"after a logout, its access token is refused")
}
