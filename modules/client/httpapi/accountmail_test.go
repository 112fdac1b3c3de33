package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/client"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/mail"
	"github.com/athlos/athlos/modules/client/internal/mail/mailtest"
	"github.com/athlos/athlos/platform"
)

const linkBase = "https://app.athlos.test/a"

// startMail runs the client module sending its mail to a real SMTP
// server, with links under linkBase; configure changes the client's
// configuration further.
func startMail(t *testing.T, configure func(*client.Config, *modules.Configs)) (*apptest.App, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t)
	return startMailWith(t, srv, configure), srv
}

// startMailWith is startMail with the SMTP server srv.
func startMailWith(t testing.TB, srv *mailtest.Server, configure func(*client.Config, *modules.Configs)) *apptest.App {
	t.Helper()
	return apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) {
		m.Client.Mail = srv.Config()
		m.Client.MailWorker = mail.WorkerConfig{Poll: 100 * time.Millisecond}
		m.Client.PublicURL = linkBase + "/"
		if configure != nil {
			configure(&m.Client, m)
		}
	}, "client")
}

// tokenOf is the token of the one link in m, which must start with
// linkBase+path.
func tokenOf(t *testing.T, m mailtest.Received, path string) string {
	t.Helper()
	links := m.Links()
	require.Len(t, links, 1, m.Text)
	require.True(t, strings.HasPrefix(links[0], linkBase+path+"?token="), links[0])
	u, err := url.Parse(links[0])
	require.NoError(t, err)
	require.Contains(t, m.HTML, `href="`+strings.ReplaceAll(links[0], "&", "&amp;")+`"`)
	return u.Query().Get("token")
}

// settled waits until every reset request was handled and every mail
// sent, so that a mail not received was never sent.
func settled(t *testing.T, a *apptest.App) {
	t.Helper()
	db := a.DB(t)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM client.password_reset_requests)
			+ (SELECT count(*) FROM client.mail_outbox WHERE failed_at IS NULL)`).Scan(&n))
		return n == 0
	}, 30*time.Second, 20*time.Millisecond)
}

func reset(a *apptest.App, email string) apptest.Response {
	return a.Do(http.MethodPost, "/v1/auth/password-reset", "", map[string]any{"email": email})
}

func confirmReset(a *apptest.App, token, password string) apptest.Response {
	return a.Do(http.MethodPost, "/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "password": password})
}

const newPassword = "purple elephants juggle quietly"

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	a, srv := startMail(t, nil)
	ana := a.SignUp("ana@example.com")
	second := login(a, "ana@example.com", apptest.Password)
	require.Equal(t, http.StatusOK, second.Status)
	var anaTwo api.TokenResponse
	second.JSON(t, &anaTwo)
	bob := a.SignUp("bob@example.com")

	// The same answer for an account's address and for another.
	known, unknown := reset(a, " ANA@example.com"), reset(a, "nobody@example.com")
	require.Equal(t, http.StatusAccepted, known.Status, string(known.Body))
	assert.Equal(t, http.StatusAccepted, unknown.Status)
	assert.Equal(t, known.Body, unknown.Body)
	assert.Empty(t, known.Body)
	settled(t, a)
	assert.Empty(t, srv.To("nobody@example.com"), "no mail to an address without an account")
	msgs := srv.To("ana@example.com")
	require.Len(t, msgs, 2, "the verification at registration and the reset")
	m := msgs[1]
	assert.Equal(t, "Reset your Athlos password", m.Subject)
	assert.Contains(t, m.Text, "30 minutes")
	token := tokenOf(t, m, "/reset-password")

	// A weak password is refused and leaves the link usable.
	r := confirmReset(a, token, "password1234")
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.password"}, r.Problem(t).Fields())
	r = confirmReset(a, token, "ana@example.com!!")
	require.Equal(t, http.StatusBadRequest, r.Status, "the policy of registration: not the email")

	require.Equal(t, http.StatusNoContent, confirmReset(a, token, newPassword).Status)
	// Used once: a second time is the one answer of a bad link.
	r = confirmReset(a, token, "another good passphrase here")
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.token"}, r.Problem(t).Fields())

	// Every session of Ana ended; Bob's did not.
	for _, tok := range []api.TokenResponse{ana, anaTwo} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": tok.RefreshToken}).Status)
		require.Eventually(t, func() bool {
			return a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil).Status == http.StatusUnauthorized
		}, 10*time.Second, 20*time.Millisecond, "access tokens are refused at once (evt.client.session.revoked)")
	}
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/me", bob.AccessToken, nil).Status)
	assert.Equal(t, http.StatusUnauthorized, login(a, "ana@example.com", apptest.Password).Status)
	r = login(a, "ana@example.com", newPassword)
	require.Equal(t, http.StatusOK, r.Status)
	var fresh api.TokenResponse
	r.JSON(t, &fresh)
	assert.True(t, me(t, a, fresh.AccessToken).EmailVerified, "the link proved the address")

	// Using one link voids the others.
	require.Equal(t, http.StatusAccepted, reset(a, "ana@example.com").Status)
	require.Equal(t, http.StatusAccepted, reset(a, "ana@example.com").Status)
	msgs = srv.WaitTo("ana@example.com", 4, 30*time.Second)
	first, other := tokenOf(t, msgs[2], "/reset-password"), tokenOf(t, msgs[3], "/reset-password")
	require.Equal(t, http.StatusNoContent, confirmReset(a, other, "sunflower rockets at midnight").Status)
	assert.Equal(t, http.StatusBadRequest, confirmReset(a, first, newPassword).Status)

	// /metrics counts what this process sent.
	metrics := a.Do(http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, metrics.Status)
	assert.Regexp(t, `(?m)^athlos_client_mails_sent_total [1-9]`, string(metrics.Body))
	assert.Contains(t, string(metrics.Body), "athlos_client_mails_failed_total 0")
}

func TestPasswordResetBadInput(t *testing.T) {
	t.Parallel()
	a, srv := startMail(t, nil)
	a.SignUp("ana@example.com")
	cases := []struct {
		name, path string
		body       any
		status     int
		field      string
	}{
		{"missing email", "/v1/auth/password-reset", map[string]any{}, 400, "body.email"},
		{"bad email", "/v1/auth/password-reset", map[string]any{"email": "ana@localhost"}, 400, "body.email"},
		{"email with a name", "/v1/auth/password-reset", map[string]any{"email": "Ana <ana@example.com>"}, 400, "body.email"},
		{"long email", "/v1/auth/password-reset", map[string]any{"email": strings.Repeat("a", 250) + "@example.com"}, 400, "body.email"},
		{"email not a string", "/v1/auth/password-reset", map[string]any{"email": 7}, 400, "body.email"},
		{"unknown field", "/v1/auth/password-reset", map[string]any{"email": "ana@example.com", "user_id": "x"}, 400, "body.user_id"},
		{"missing token", "/v1/auth/password-reset/confirm", map[string]any{"password": newPassword}, 400, "body.token"},
		{"missing password", "/v1/auth/password-reset/confirm", map[string]any{"token": strings.Repeat("A", 43)}, 400, "body.password"},
		{"short token", "/v1/auth/password-reset/confirm", map[string]any{"token": "abc", "password": newPassword}, 400, "body.token"},
		{"token not base64url", "/v1/auth/password-reset/confirm", map[string]any{"token": strings.Repeat("!", 43), "password": newPassword}, 400, "body.token"},
		{"long token", "/v1/auth/password-reset/confirm", map[string]any{"token": strings.Repeat("A", 65), "password": newPassword}, 400, "body.token"},
		{"unknown token", "/v1/auth/password-reset/confirm", map[string]any{"token": strings.Repeat("A", 43), "password": newPassword}, 400, "body.token"},
		{"long password", "/v1/auth/password-reset/confirm", map[string]any{"token": strings.Repeat("A", 43), "password": strings.Repeat("p", 257)}, 400, "body.password"},
		{"missing token", "/v1/auth/verify-email", map[string]any{}, 400, "body.token"},
		{"short token", "/v1/auth/verify-email", map[string]any{"token": "abc"}, 400, "body.token"},
		{"unknown token", "/v1/auth/verify-email", map[string]any{"token": strings.Repeat("A", 43)}, 400, "body.token"},
		{"token not a string", "/v1/auth/verify-email", map[string]any{"token": []int{1}}, 400, "body.token"},
		{"unknown field", "/v1/auth/verify-email", map[string]any{"token": strings.Repeat("A", 43), "email": "x@example.com"}, 400, "body.email"},
	}
	for _, c := range cases {
		r := a.Do(http.MethodPost, c.path, "", c.body)
		require.Equal(t, c.status, r.Status, "%s %s: %s", c.path, c.name, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.path+" "+c.name)
	}
	for _, p := range []string{"/v1/auth/password-reset", "/v1/auth/password-reset/confirm", "/v1/auth/verify-email"} {
		assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, p, "", `{"email": `).Status, p+": malformed JSON")
		assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, p, "", `[]`).Status, p+": not an object")
		assert.Equal(t, http.StatusRequestEntityTooLarge,
			a.Do(http.MethodPost, p, "", `{"token": "`+strings.Repeat("t", 2<<20)+`"}`).Status, p+": huge body")
	}
	// The resend needs a signed-in caller.
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPost, "/v1/auth/verify-email/resend", "", nil).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPost, "/v1/auth/verify-email/resend", "not-a-token", nil).Status)

	// Nothing of it asked for a reset or sent mail: only the registration's.
	settled(t, a)
	assert.Len(t, srv.Messages(), 1)
}

func TestPasswordResetExpires(t *testing.T) {
	t.Parallel()
	// 5 s: a request older than a link's life when it is processed is
	// dropped (no mail), so the life must outlast a loaded runner's delay
	// between the request and its processing.
	const ttl = 5 * time.Second
	a, srv := startMail(t, func(c *client.Config, _ *modules.Configs) { c.PasswordResetTTL = ttl })
	a.SignUp("ana@example.com")
	require.Equal(t, http.StatusAccepted, reset(a, "ana@example.com").Status)
	token := tokenOf(t, srv.WaitTo("ana@example.com", 2, 30*time.Second)[1], "/reset-password")
	time.Sleep(ttl + 500*time.Millisecond) // past the link's life (made before its mail was sent)
	r := confirmReset(a, token, newPassword)
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.token"}, r.Problem(t).Fields())
	assert.Equal(t, http.StatusOK, login(a, "ana@example.com", apptest.Password).Status, "the password stayed")
}

func TestPasswordResetThrottling(t *testing.T) {
	t.Parallel()
	a, srv := startMail(t, func(_ *client.Config, m *modules.Configs) {
		m.Gateway.TrustedProxies = []string{"loopback"} // the client's address comes in X-Forwarded-For
	})
	a.SignUp("ana@example.com")
	from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
	ask := func(email, ip string) apptest.Response {
		return a.DoWith(http.MethodPost, "/v1/auth/password-reset", "", map[string]any{"email": email}, from(ip))
	}

	// Five for one address, from anywhere; the sixth waits an hour. The
	// same for an address without an account: a refusal tells nothing.
	for _, email := range []string{"ana@example.com", "nobody@example.com"} {
		for i := range 5 {
			require.Equal(t, http.StatusAccepted, ask(email, fmt.Sprintf("198.51.100.%d", i+1)).Status)
		}
		r := ask(email, "198.51.100.99")
		require.Equal(t, http.StatusTooManyRequests, r.Status, email)
		assert.Equal(t, "rate_limited", r.Problem(t).Code)
		assert.NotEmpty(t, r.Header.Get("Retry-After"))
		q, w, _, _ := limitOf(t, r.Header, "password-reset-account")
		assert.Equal(t, 5, q)
		assert.Equal(t, 3600, w)
	}
	// Twenty from one client address; the 21st waits.
	for i := range 20 {
		require.Equal(t, http.StatusAccepted, ask(fmt.Sprintf("u%d@example.com", i), "203.0.113.5").Status)
	}
	r := ask("u20@example.com", "203.0.113.5")
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	limitOf(t, r.Header, "password-reset-address")
	assert.Equal(t, http.StatusAccepted, ask("u20@example.com", "203.0.113.6").Status, "another address is not held")

	settled(t, a)
	assert.Len(t, srv.To("ana@example.com"), 6, "the verification and five resets, no more")
	assert.Empty(t, srv.To("nobody@example.com"))
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	a, srv := startMail(t, nil)
	r := a.Do(http.MethodPost, "/v1/auth/register", "", map[string]any{"email": "jonas@example.com", "password": apptest.Password,
		"first_name": "Jonas", "language": "de"})
	require.Equal(t, http.StatusCreated, r.Status)
	var jonas api.TokenResponse
	r.JSON(t, &jonas)
	assert.False(t, me(t, a, jonas.AccessToken).EmailVerified)

	m := srv.WaitTo("jonas@example.com", 1, 30*time.Second)[0]
	assert.Equal(t, "Bestätige deine E-Mail-Adresse für Athlos", m.Subject, "German for a German user")
	assert.Contains(t, m.Text, "Hallo Jonas,")
	assert.Contains(t, m.HTML, `<html lang="de">`)
	token := tokenOf(t, m, "/verify-email")

	r = a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var v api.EmailVerified
	r.JSON(t, &v)
	assert.Equal(t, "jonas@example.com", v.Email)
	assert.True(t, me(t, a, jonas.AccessToken).EmailVerified)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": token}).Status,
		"a link works once")
	assert.Equal(t, http.StatusConflict, a.Do(http.MethodPost, "/v1/auth/verify-email/resend", jonas.AccessToken, nil).Status,
		"verified already")

	// Resending: five an hour; every link works until one is used.
	bob := a.SignUp("bob@example.com")
	for range 5 {
		require.Equal(t, http.StatusAccepted, a.Do(http.MethodPost, "/v1/auth/verify-email/resend", bob.AccessToken, nil).Status)
	}
	r = a.Do(http.MethodPost, "/v1/auth/verify-email/resend", bob.AccessToken, nil)
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	limitOf(t, r.Header, "verify-email-resend")
	msgs := srv.WaitTo("bob@example.com", 6, 30*time.Second)
	assert.Equal(t, "Confirm your email address for Athlos", msgs[0].Subject, "English by default")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": tokenOf(t, msgs[3], "/verify-email")}).Status)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": tokenOf(t, msgs[5], "/verify-email")}).Status,
		"once verified, the other links are void")
	assert.True(t, me(t, a, bob.AccessToken).EmailVerified)
}

func TestEmailVerificationExpires(t *testing.T) {
	t.Parallel()
	a, srv := startMail(t, func(c *client.Config, _ *modules.Configs) { c.VerifyEmailTTL = 2 * time.Second })
	ana := a.SignUp("ana@example.com")
	token := tokenOf(t, srv.WaitTo("ana@example.com", 1, 30*time.Second)[0], "/verify-email")
	time.Sleep(2500 * time.Millisecond) // past the link's life
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": token}).Status)
	assert.False(t, me(t, a, ana.AccessToken).EmailVerified)
}

func TestEmailChange(t *testing.T) {
	t.Parallel()
	a, srv := startMail(t, nil)
	ana := a.SignUp("ana@example.com")
	bob := a.SignUp("bob@example.com")
	patch := func(tok string, body any) apptest.Response { return a.Do(http.MethodPatch, "/v1/me", tok, body) }

	// Not changed at once: a link goes to the new address.
	r := patch(ana.AccessToken, map[string]any{"email": " Ana.New@Example.com", "first_name": "Ana"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var p api.Profile
	r.JSON(t, &p)
	assert.Equal(t, "ana@example.com", p.Email)
	require.NotNil(t, p.PendingEmail)
	assert.Equal(t, "ana.new@example.com", *p.PendingEmail)
	assert.Equal(t, "Ana", p.FirstName, "the rest of the patch applies")
	m := srv.WaitTo("ana.new@example.com", 1, 30*time.Second)[0]
	assert.Equal(t, "Confirm your new email address for Athlos", m.Subject)
	assert.Contains(t, m.Text, "Hello Ana,")
	token := tokenOf(t, m, "/verify-email")
	assert.Equal(t, http.StatusUnauthorized, login(a, "ana.new@example.com", apptest.Password).Status)

	// Bad input changes nothing.
	for _, c := range []struct {
		body   any
		status int
		field  string
	}{
		{map[string]any{"email": "bob@example.com"}, http.StatusConflict, "body.email"},
		{map[string]any{"email": "BOB@example.com", "first_name": "X"}, http.StatusConflict, "body.email"},
		{map[string]any{"email": "not-an-address"}, http.StatusBadRequest, "body.email"},
		{map[string]any{"email": 12}, http.StatusBadRequest, "body.email"},
		{map[string]any{"email": nil}, http.StatusBadRequest, "body.email"},
		{map[string]any{"email": strings.Repeat("a", 250) + "@example.com"}, http.StatusBadRequest, "body.email"},
	} {
		r := patch(ana.AccessToken, c.body)
		require.Equal(t, c.status, r.Status, "%v: %s", c.body, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), c.field)
	}
	p = me(t, a, ana.AccessToken)
	assert.Equal(t, "Ana", p.FirstName)
	require.NotNil(t, p.PendingEmail)
	assert.Equal(t, "ana.new@example.com", *p.PendingEmail)

	r = a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	p = me(t, a, ana.AccessToken)
	assert.Equal(t, "ana.new@example.com", p.Email)
	assert.True(t, p.EmailVerified)
	assert.Nil(t, p.PendingEmail)
	notice := srv.WaitTo("ana@example.com", 2, 30*time.Second)[1]
	assert.Equal(t, "The email address of your Athlos account was changed", notice.Subject, "the old address is told")
	assert.Contains(t, notice.Text, "ana.new@example.com")
	assert.Equal(t, http.StatusOK, login(a, "ana.new@example.com", apptest.Password).Status)
	assert.Equal(t, http.StatusUnauthorized, login(a, "ana@example.com", apptest.Password).Status)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": token}).Status)
	// The old address's links are void: its verification link, and a
	// password reset asked for it before.
	old := tokenOf(t, srv.To("ana@example.com")[0], "/verify-email")
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": old}).Status)

	// Uniqueness at confirmation: someone registered the address since.
	require.Equal(t, http.StatusOK, patch(bob.AccessToken, map[string]any{"email": "cy@example.com"}).Status)
	bobLink := tokenOf(t, srv.WaitTo("cy@example.com", 1, 30*time.Second)[0], "/verify-email")
	a.SignUp("cy@example.com")
	r = a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": bobLink})
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	assert.Equal(t, "bob@example.com", me(t, a, bob.AccessToken).Email)

	// A newer request voids the older link.
	require.Equal(t, http.StatusOK, patch(bob.AccessToken, map[string]any{"email": "bob2@example.com"}).Status)
	require.Equal(t, http.StatusOK, patch(bob.AccessToken, map[string]any{"email": "bob3@example.com"}).Status)
	older := tokenOf(t, srv.WaitTo("bob2@example.com", 1, 30*time.Second)[0], "/verify-email")
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/auth/verify-email", "", map[string]any{"token": older}).Status)
	p = me(t, a, bob.AccessToken)
	require.NotNil(t, p.PendingEmail)
	assert.Equal(t, "bob3@example.com", *p.PendingEmail)
}

func TestDeleteAccountNeedsPassword(t *testing.T) {
	t.Parallel()
	a, _ := startMail(t, func(_ *client.Config, m *modules.Configs) { m.Gateway.TrustedProxies = []string{"loopback"} })
	ana := a.SignUp("ana@example.com")
	del := func(body any, ip string) apptest.Response {
		return a.DoWith(http.MethodDelete, "/v1/me", ana.AccessToken, body, http.Header{"X-Forwarded-For": {ip}})
	}
	for _, c := range []struct {
		name  string
		body  any
		field string
	}{
		{"no body", nil, "body"},
		{"missing password", map[string]any{}, "body.password"},
		{"empty password", map[string]any{"password": ""}, "body.password"},
		{"password not a string", map[string]any{"password": 1}, "body.password"},
		{"long password", map[string]any{"password": strings.Repeat("p", 1025)}, "body.password"},
		{"unknown field", map[string]any{"password": apptest.Password, "force": true}, "body.force"},
	} {
		r := del(c.body, "198.51.100.1")
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", c.name, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.name)
	}
	assert.Equal(t, http.StatusBadRequest, del(`{"password": `, "198.51.100.1").Status, "malformed JSON")
	assert.Equal(t, http.StatusRequestEntityTooLarge, del(`{"password": "`+strings.Repeat("p", 2<<20)+`"}`, "198.51.100.1").Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodDelete, "/v1/me", "", map[string]any{"password": apptest.Password}).Status)

	// A wrong password: 403, counted as a failed login; the fifth from
	// one address locks it there, even with the right password.
	for i := range 4 {
		r := del(map[string]any{"password": "wrong horse battery staple"}, "198.51.100.2")
		require.Equal(t, http.StatusForbidden, r.Status, "attempt %d: %s", i+1, r.Body)
		assert.Equal(t, []string{"body.password"}, r.Problem(t).Fields())
	}
	r := del(map[string]any{"password": "wrong horse battery staple"}, "198.51.100.2")
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.Equal(t, http.StatusTooManyRequests, del(map[string]any{"password": apptest.Password}, "198.51.100.2").Status)
	assert.Equal(t, http.StatusTooManyRequests, a.DoWith(http.MethodPost, "/v1/auth/login", "",
		map[string]any{"email": "ana@example.com", "password": apptest.Password}, http.Header{"X-Forwarded-For": {"198.51.100.2"}}).Status,
		"the same counters as logins")
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/me", ana.AccessToken, nil).Status, "still there")

	require.Equal(t, http.StatusNoContent, del(map[string]any{"password": apptest.Password}, "198.51.100.3").Status)
	assert.Equal(t, http.StatusUnauthorized, login(a, "ana@example.com", apptest.Password).Status)
}

// TestPasswordResetVolume asks for resets of many accounts at once
// through the front: each gets exactly one mail (500; 100 with -short).
func TestPasswordResetVolume(t *testing.T) {
	t.Parallel()
	n := 500
	if testing.Short() {
		n = 100
	}
	a, srv := startMail(t, nil)
	db := a.DB(t)
	// The accounts are made in SQL: registering 500 would hash 500
	// passwords (and mail 500 verifications).
	_, err := db.Exec(context.Background(), `INSERT INTO client.users (id, email, password_hash, role, first_name, last_name, language, privacy)
		SELECT gen_random_uuid(), 'v' || i || '@example.com', 'x', 'user', 'V' || i, '', CASE WHEN i % 2 = 0 THEN 'de' ELSE 'en' END,
			'{"default_visibility": "followers", "show_in_leaderboards": true, "show_age": false}'
		FROM generate_series(0, $1 - 1) AS i`, n)
	require.NoError(t, err)

	var wg sync.WaitGroup
	statuses := make(chan int, n)
	sem := make(chan struct{}, 50)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			statuses <- reset(a, fmt.Sprintf("v%d@example.com", i)).Status
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		require.Equal(t, http.StatusAccepted, s)
	}
	srv.Wait(n, 2*time.Minute)
	settled(t, a)
	got := map[string]int{}
	for _, m := range srv.Messages() {
		require.Len(t, m.To, 1)
		got[m.To[0]]++
		i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(m.To[0], "v"), "@example.com"))
		require.NoError(t, err)
		assert.Equal(t, i%2 == 0, strings.HasPrefix(m.Subject, "Athlos-Passwort"), "%s: %s, in the account's language", m.To[0], m.Subject)
	}
	require.Len(t, got, n)
	for addr, c := range got {
		assert.Equal(t, 1, c, addr)
	}
}

// Turning two-factor sign-in on or off is told to the account's address
// (a change the owner did not make is the sign of a stolen session), in
// their language.
func TestTwoFactorChangesAreMailed(t *testing.T) {
	t.Parallel()
	a, srv := startMail(t, nil)
	ana := a.SignUp("ana@example.com")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", ana.AccessToken, map[string]any{"language": "de"}).Status)
	r := a.Do(http.MethodPost, "/v1/me/2fa/totp", ana.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var e api.TOTPEnrolment
	r.JSON(t, &e)
	code := func(steps int64) string {
		c, err := auth.TOTPCode(e.Secret, auth.TOTPStep(time.Now())+steps)
		require.NoError(t, err)
		return c
	}
	r = a.Do(http.MethodPost, "/v1/me/2fa/totp/confirm", ana.AccessToken, map[string]any{"code": code(0), "password": apptest.Password})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	on := srv.WaitFor(30*time.Second, func(ms []mailtest.Received) bool {
		return slices.ContainsFunc(ms, func(m mailtest.Received) bool { return strings.Contains(m.Subject, "eingeschaltet") })
	})
	require.NotEmpty(t, on)

	r = a.Do(http.MethodDelete, "/v1/me/2fa", ana.AccessToken, map[string]any{"password": apptest.Password, "code": code(1)})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	off := srv.WaitFor(30*time.Second, func(ms []mailtest.Received) bool {
		return slices.ContainsFunc(ms, func(m mailtest.Received) bool { return strings.Contains(m.Subject, "ausgeschaltet") })
	})
	i := slices.IndexFunc(off, func(m mailtest.Received) bool { return strings.Contains(m.Subject, "ausgeschaltet") })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, []string{"ana@example.com"}, off[i].To)
	assert.Contains(t, off[i].Text, "nur noch dein Passwort")
	assert.Empty(t, off[i].Links(), "nothing to click")
}
