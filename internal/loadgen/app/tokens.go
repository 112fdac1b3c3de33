package app

import (
	"sync"
	"time"

	clientapi "github.com/athlos/athlos/modules/client/api"
)

// Tokens are one user's current tokens, refreshed as the app does: at
// three quarters of the access token's life, so that a NATS connection
// that reconnects never meets an expired token. Safe for concurrent use;
// the zero value holds no token.
type Tokens struct {
	mu         sync.Mutex
	tok        clientapi.TokenResponse
	refreshAt  time.Time
	refreshing bool
}

// Access is the current access token (for a nats.TokenHandler, say).
func (t *Tokens) Access() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tok.AccessToken
}

// Set takes new tokens (a sign-up, login or refresh) and ends a refresh
// under way.
func (t *Tokens) Set(tok clientapi.TokenResponse) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tok = tok
	t.refreshing = false
	t.refreshAt = time.Time{}
	if tok.ExpiresIn > 0 {
		t.refreshAt = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second * 3 / 4)
	}
}

// Begin reports whether a refresh is due at now and none is under way;
// then it marks one under way and returns the refresh token to use. End
// it with Set, or RetryAt when it failed.
func (t *Tokens) Begin(now time.Time) (refreshToken string, due bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.refreshing || t.refreshAt.IsZero() || !now.After(t.refreshAt) {
		return "", false
	}
	t.refreshing = true
	return t.tok.RefreshToken, true
}

// RetryAt ends a refresh under way (it failed) and makes the next one due
// at at.
func (t *Tokens) RetryAt(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refreshing = false
	t.refreshAt = at
}

// RefreshAt is when the next refresh is due, and whether one is under
// way.
func (t *Tokens) RefreshAt() (at time.Time, refreshing bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refreshAt, t.refreshing
}
