package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/platform"
)

// testClock is the second factor's clock in a test: fixed, moved by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startTwoFactor runs the client module with the second factor on a fixed
// clock, 5 seconds into a TOTP step.
func startTwoFactor(t *testing.T) (*apptest.App, *testClock) {
	t.Helper()
	c := &testClock{t: time.Date(2026, 12, 7, 12, 0, 5, 0, time.UTC)}
	a := apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) { m.Client.Now = c.Now }, "client")
	return a, c
}

// totpAt is the code of secret for the step of at plus steps.
func totpAt(t *testing.T, secret string, at time.Time, steps int64) string {
	t.Helper()
	code, err := auth.TOTPCode(secret, auth.TOTPStep(at)+steps)
	require.NoError(t, err)
	return code
}

// enrol turns two-factor sign-in on for the account of token and returns
// its secret and recovery codes.
func enrol(t *testing.T, a *apptest.App, c *testClock, token string) (string, []string) {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/me/2fa/totp", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var e api.TOTPEnrolment
	r.JSON(t, &e)
	r = a.Do(http.MethodPost, "/v1/me/2fa/totp/confirm", token, map[string]any{"code": totpAt(t, e.Secret, c.Now(), 0), "password": apptest.Password})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var rc api.RecoveryCodes
	r.JSON(t, &rc)
	return e.Secret, rc.RecoveryCodes
}

// challengeOf logs in with the right password and returns the challenge
// of the second_factor_required answer.
func challengeOf(t *testing.T, a *apptest.App, email string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"email": email, "password": apptest.Password}
	for k, v := range extra {
		body[k] = v
	}
	r := a.Do(http.MethodPost, "/v1/auth/login", "", body)
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	p := r.Problem(t)
	require.Equal(t, "second_factor_required", p.Code)
	var d struct {
		Details api.SecondFactorChallenge `json:"details"`
	}
	r.JSON(t, &d)
	assert.Equal(t, 300, d.Details.ExpiresIn)
	assert.Equal(t, []string{"totp", "recovery_code"}, d.Details.Methods)
	require.NotEmpty(t, d.Details.Challenge)
	return d.Details.Challenge
}

func secondFactor(a *apptest.App, challenge, code string) apptest.Response {
	return a.Do(http.MethodPost, "/v1/auth/login/2fa", "", map[string]any{"challenge": challenge, "code": code})
}

func twoFactorStatus(t *testing.T, a *apptest.App, token string) api.TwoFactorStatus {
	t.Helper()
	r := a.Do(http.MethodGet, "/v1/me/2fa", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var st api.TwoFactorStatus
	r.JSON(t, &st)
	return st
}

func TestTwoFactorEnrolmentAndLogin(t *testing.T) {
	t.Parallel()
	a, clock := startTwoFactor(t)
	ana := a.SignUp("ana@example.com")
	bob := a.SignUp("bob@example.com")

	st := twoFactorStatus(t, a, ana.AccessToken)
	assert.Equal(t, api.TwoFactorStatus{Methods: []string{}}, st, "off at first")

	// Enrolment: a secret and its otpauth URI, not active yet.
	r := a.Do(http.MethodPost, "/v1/me/2fa/totp", ana.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var e api.TOTPEnrolment
	r.JSON(t, &e)
	assert.Equal(t, "otpauth://totp/Athlos:ana@example.com?algorithm=SHA1&digits=6&issuer=Athlos&period=30&secret="+e.Secret, e.OTPAuthURI)
	assert.Equal(t, api.TOTPEnrolment{Secret: e.Secret, OTPAuthURI: e.OTPAuthURI, Issuer: "Athlos", Account: "ana@example.com",
		Algorithm: "SHA1", Digits: 6, PeriodS: 30}, e)
	assert.True(t, twoFactorStatus(t, a, ana.AccessToken).Pending)
	require.Equal(t, http.StatusOK, login(a, "ana@example.com", apptest.Password).Status, "a pending enrolment does not sign in")
	var sealed []byte
	require.NoError(t, a.DB(t).QueryRow(context.Background(), `SELECT sealed_secret FROM client.two_factor`).Scan(&sealed))
	assert.NotContains(t, string(sealed), e.Secret, "the secret is stored sealed")

	// A wrong code, or the code of a step out of reach, does not confirm.
	for _, code := range []string{"000000", totpAt(t, e.Secret, clock.Now(), 2), "not a code"} {
		r = a.Do(http.MethodPost, "/v1/me/2fa/totp/confirm", ana.AccessToken, map[string]any{"code": code, "password": apptest.Password})
		require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
		assert.Equal(t, []string{"body.code"}, r.Problem(t).Fields())
	}
	assert.False(t, twoFactorStatus(t, a, ana.AccessToken).Enabled)
	// Starting again replaces the secret: the first one's codes are void.
	first := e.Secret
	r = a.Do(http.MethodPost, "/v1/me/2fa/totp", ana.AccessToken, nil)
	r.JSON(t, &e)
	require.NotEqual(t, first, e.Secret)
	r = a.Do(http.MethodPost, "/v1/me/2fa/totp/confirm", ana.AccessToken, map[string]any{"code": totpAt(t, first, clock.Now(), 0), "password": apptest.Password})
	assert.Equal(t, http.StatusBadRequest, r.Status, "the replaced secret's code")

	confirmCode := totpAt(t, e.Secret, clock.Now(), 0)
	r = a.Do(http.MethodPost, "/v1/me/2fa/totp/confirm", ana.AccessToken, map[string]any{"code": confirmCode, "password": apptest.Password})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var rc api.RecoveryCodes
	r.JSON(t, &rc)
	require.Len(t, rc.RecoveryCodes, 10)
	assert.True(t, rc.EnabledAt.Equal(clock.Now()))
	st = twoFactorStatus(t, a, ana.AccessToken)
	assert.True(t, st.Enabled)
	assert.False(t, st.Pending)
	assert.Equal(t, 10, st.RecoveryCodesLeft)
	assert.Equal(t, []string{"totp", "recovery_code"}, st.Methods)
	r = a.Do(http.MethodPost, "/v1/me/2fa/totp", ana.AccessToken, nil)
	assert.Equal(t, http.StatusConflict, r.Status, "no new enrolment while on")
	r = a.Do(http.MethodPost, "/v1/me/2fa/totp/confirm", ana.AccessToken, map[string]any{"code": totpAt(t, e.Secret, clock.Now(), 1), "password": apptest.Password})
	assert.Equal(t, http.StatusConflict, r.Status, "confirmed already")

	// The session that enrolled and its refresh token go on.
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/me", ana.AccessToken, nil).Status)
	r = a.Do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": ana.RefreshToken})
	require.Equal(t, http.StatusOK, r.Status, "refresh tokens are not affected")

	// A wrong password is still the one generic answer; a right one asks
	// for the second factor.
	wrong := login(a, "ana@example.com", "wrong horse battery staple")
	assert.Equal(t, "unauthorized", wrong.Problem(t).Code)
	ch := challengeOf(t, a, "ana@example.com", nil)
	r = secondFactor(a, ch, confirmCode)
	assert.Equal(t, http.StatusUnauthorized, r.Status, "the confirming code is spent")
	assert.Equal(t, "invalid code", r.Problem(t).Detail)
	r = secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), 1))
	require.Equal(t, http.StatusOK, r.Status, "the next step's code (skew +1): %s", r.Body)
	var tok api.TokenResponse
	r.JSON(t, &tok)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.NotEmpty(t, tok.DeviceToken)
	assert.Equal(t, ana.UserID, tok.UserID)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil).Status)
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), 1)).Status, "a challenge works once")

	// Replay: the same code on a new challenge, and the codes before it.
	clock.Add(30 * time.Second)
	ch = challengeOf(t, a, "ana@example.com", nil)
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), 0)).Status, "replayed")
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), -1)).Status, "an older step")
	// Skew: two steps away is too far, one step back is fine.
	clock.Add(2 * time.Minute)
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), 2)).Status, "skew +2")
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), -2)).Status, "skew -2")
	require.Equal(t, http.StatusOK, secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), -1)).Status, "skew -1")

	// A challenge is bound to its user: Bob's with Ana's code is refused
	// (and Bob's account is not touched), Ana's with Bob's token nothing.
	_, bobCodes := enrol(t, a, clock, bob.AccessToken)
	clock.Add(30 * time.Second)
	bobCh := challengeOf(t, a, "bob@example.com", nil)
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, bobCh, totpAt(t, e.Secret, clock.Now(), 0)).Status, "Ana's code on Bob's challenge")
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, bobCh, rc.RecoveryCodes[0]).Status, "Ana's recovery code on Bob's challenge")
	r = secondFactor(a, bobCh, bobCodes[0])
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &tok)
	assert.Equal(t, bob.UserID, tok.UserID, "the challenge's user is signed in")
	assert.Equal(t, 10, twoFactorStatus(t, a, ana.AccessToken).RecoveryCodesLeft, "Ana's recovery code was not spent")

	// Recovery codes: each once, typed loosely.
	ch = challengeOf(t, a, "ana@example.com", nil)
	typed := strings.ToUpper(strings.ReplaceAll(rc.RecoveryCodes[3], "-", " "))
	require.Equal(t, http.StatusOK, secondFactor(a, ch, typed).Status, "a recovery code")
	assert.Equal(t, 9, twoFactorStatus(t, a, ana.AccessToken).RecoveryCodesLeft)
	ch = challengeOf(t, a, "ana@example.com", nil)
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, rc.RecoveryCodes[3]).Status, "a recovery code works once")

	// An expired challenge is refused, even with a right code.
	clock.Add(5*time.Minute + time.Second)
	r = secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), 0))
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Problem(t).Detail, "expired")
	ch = challengeOf(t, a, "ana@example.com", nil)
	clock.Add(4*time.Minute + 59*time.Second)
	require.Equal(t, http.StatusOK, secondFactor(a, ch, totpAt(t, e.Secret, clock.Now(), 0)).Status, "just in time")
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, "x"+ch[1:], totpAt(t, e.Secret, clock.Now(), 0)).Status, "unknown challenge")

	// New recovery codes: the old ones are void. A day later: the
	// account's count of wrong codes (10 a day) starts again.
	clock.Add(24 * time.Hour)
	r = a.Do(http.MethodPost, "/v1/me/2fa/recovery-codes", ana.AccessToken, map[string]any{"password": "wrong horse battery staple",
		"code": totpAt(t, e.Secret, clock.Now(), 0)})
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.password"}, r.Problem(t).Fields())
	r = a.Do(http.MethodPost, "/v1/me/2fa/recovery-codes", ana.AccessToken, map[string]any{"password": apptest.Password, "code": "123456"})
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.code"}, r.Problem(t).Fields())
	r = a.Do(http.MethodPost, "/v1/me/2fa/recovery-codes", ana.AccessToken, map[string]any{"password": apptest.Password,
		"code": totpAt(t, e.Secret, clock.Now(), 0)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var renewed api.RecoveryCodes
	r.JSON(t, &renewed)
	require.Len(t, renewed.RecoveryCodes, 10)
	assert.True(t, renewed.EnabledAt.Equal(rc.EnabledAt))
	ch = challengeOf(t, a, "ana@example.com", nil)
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, rc.RecoveryCodes[5]).Status, "an old recovery code is void")
	require.Equal(t, http.StatusOK, secondFactor(a, ch, renewed.RecoveryCodes[5]).Status, "a new one works")

	// Turning it off takes the password and a code; then the password
	// alone signs in.
	clock.Add(30 * time.Second)
	r = a.Do(http.MethodDelete, "/v1/me/2fa", ana.AccessToken, map[string]any{"password": apptest.Password, "code": renewed.RecoveryCodes[5]})
	require.Equal(t, http.StatusBadRequest, r.Status, "a spent recovery code")
	assert.Equal(t, []string{"body.code"}, r.Problem(t).Fields())
	r = a.Do(http.MethodDelete, "/v1/me/2fa", ana.AccessToken, map[string]any{"password": "wrong horse battery staple", "code": renewed.RecoveryCodes[6]})
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.password"}, r.Problem(t).Fields())
	assert.True(t, twoFactorStatus(t, a, ana.AccessToken).Enabled)
	pending := challengeOf(t, a, "ana@example.com", nil)
	r = a.Do(http.MethodDelete, "/v1/me/2fa", ana.AccessToken, map[string]any{"password": apptest.Password, "code": totpAt(t, e.Secret, clock.Now(), 0)})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	assert.Equal(t, api.TwoFactorStatus{Methods: []string{}}, twoFactorStatus(t, a, ana.AccessToken))
	assert.Equal(t, http.StatusOK, login(a, "ana@example.com", apptest.Password).Status)
	assert.Equal(t, http.StatusUnauthorized, secondFactor(a, pending, renewed.RecoveryCodes[7]).Status, "challenges made before are void")
	r = a.Do(http.MethodDelete, "/v1/me/2fa", ana.AccessToken, map[string]any{"password": apptest.Password, "code": "123456"})
	assert.Equal(t, http.StatusConflict, r.Status, "off already")
	r = a.Do(http.MethodPost, "/v1/me/2fa/recovery-codes", ana.AccessToken, map[string]any{"password": apptest.Password, "code": "123456"})
	assert.Equal(t, http.StatusConflict, r.Status, "off: no recovery codes")
	var rows int
	require.NoError(t, a.DB(t).QueryRow(context.Background(), `SELECT (SELECT count(*) FROM client.recovery_codes r JOIN client.users u
		ON u.id = r.user_id WHERE u.email = 'ana@example.com') + (SELECT count(*) FROM client.two_factor t JOIN client.users u
		ON u.id = t.user_id WHERE u.email = 'ana@example.com')`).Scan(&rows))
	assert.Zero(t, rows, "the secret and the recovery codes are erased")
}

func TestTwoFactorThrottling(t *testing.T) {
	t.Parallel()
	a, clock := startTwoFactor(t)
	ana := a.SignUp("ana@example.com")
	secret, _ := enrol(t, a, clock, ana.AccessToken)
	clock.Add(30 * time.Second)

	// Five wrong codes lock the account for this address (and void the
	// challenge): for a minute even a right code is refused.
	ch := challengeOf(t, a, "ana@example.com", nil)
	for i := range 4 {
		assert.Equal(t, http.StatusUnauthorized, secondFactor(a, ch, "00000"+string(rune('0'+i))).Status)
	}
	r := secondFactor(a, ch, "999999")
	require.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	assert.Equal(t, "rate_limited", r.Problem(t).Code)
	assert.Equal(t, "60", r.Header.Get("Retry-After"))
	assert.Contains(t, r.Header.Get("RateLimit-Policy"), `"2fa-account-address";q=5;w=900`)
	ch = challengeOf(t, a, "ana@example.com", nil)
	assert.Equal(t, http.StatusTooManyRequests, secondFactor(a, ch, totpAt(t, secret, clock.Now(), 0)).Status, "locked")
	r = a.Do(http.MethodDelete, "/v1/me/2fa", ana.AccessToken, map[string]any{"password": apptest.Password, "code": totpAt(t, secret, clock.Now(), 0)})
	assert.Equal(t, http.StatusTooManyRequests, r.Status, "turning it off is throttled alike")
	// A device the account knows is counted on its own.
	known := challengeOf(t, a, "ana@example.com", map[string]any{"device_token": ana.DeviceToken})
	r = a.Do(http.MethodPost, "/v1/auth/login/2fa", "", map[string]any{"challenge": known, "code": totpAt(t, secret, clock.Now(), 0),
		"device_token": ana.DeviceToken})
	require.Equal(t, http.StatusOK, r.Status, "the owner's known device: %s", r.Body)
	var tok api.TokenResponse
	r.JSON(t, &tok)
	assert.Equal(t, ana.DeviceToken, tok.DeviceToken, "the device keeps its token")

	clock.Add(61 * time.Second)
	assert.Equal(t, http.StatusOK, secondFactor(a, ch, totpAt(t, secret, clock.Now(), 0)).Status, "the lock is over")

	// A challenge takes five wrong codes, then it is void.
	clock.Add(15 * time.Minute)
	ch = challengeOf(t, a, "ana@example.com", map[string]any{"device_token": ana.DeviceToken})
	for i := range 5 {
		_ = secondFactor(a, ch, "11111"+string(rune('0'+i)))
	}
	clock.Add(61 * time.Second) // the device's lock is over, the challenge not expired
	r = secondFactor(a, ch, totpAt(t, secret, clock.Now(), 0))
	assert.Equal(t, http.StatusUnauthorized, r.Status, "void after five wrong codes")
	assert.Contains(t, r.Problem(t).Detail, "sign in with the password again")

	// Challenges that do not exist count on the address: with the void
	// one above, 30 in 15 minutes lock it.
	for range 28 {
		require.Equal(t, http.StatusUnauthorized, secondFactor(a, "made-up", "123456").Status)
	}
	assert.Equal(t, http.StatusTooManyRequests, secondFactor(a, "made-up", "123456").Status)
}

// Every two-factor operation refuses bad input with a problem naming the
// field, and changes nothing.
func TestTwoFactorBadInput(t *testing.T) {
	t.Parallel()
	a, _ := startTwoFactor(t)
	ana := a.SignUp("ana@example.com")
	huge := `{"code": "` + strings.Repeat("1", 8<<10) + `"}`
	type call struct {
		method, path string
		body         any
		status       int
		field        string
	}
	proof := "/v1/me/2fa/recovery-codes"
	for _, c := range []call{
		{http.MethodPost, "/v1/me/2fa/totp/confirm", `{"code": `, 400, ""},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", `[]`, 400, ""},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{}, 400, "body.code"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": ""}, 400, "body.code"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": 123456}, 400, "body.code"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": strings.Repeat("1", 65)}, 400, "body.code"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": "123456", "secret": "x"}, 400, "body.secret"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", huge, 413, ""},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": "123456"}, 400, "body.password"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": "123456", "password": strings.Repeat("p", 1025)}, 400, "body.password"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": "123456", "password": "not the password"}, 400, "body.password"},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": "123456", "password": apptest.Password}, 409, ""},
		{http.MethodDelete, "/v1/me/2fa", `{"password": `, 400, ""},
		{http.MethodDelete, "/v1/me/2fa", map[string]any{"code": "123456"}, 400, "body.password"},
		{http.MethodDelete, "/v1/me/2fa", map[string]any{"password": apptest.Password}, 400, "body.code"},
		{http.MethodDelete, "/v1/me/2fa", map[string]any{"password": strings.Repeat("p", 1025), "code": "123456"}, 400, "body.password"},
		{http.MethodDelete, "/v1/me/2fa", huge, 413, ""},
		{http.MethodDelete, "/v1/me/2fa", map[string]any{"password": apptest.Password, "code": "123456"}, 409, ""},
		{http.MethodPost, proof, `{`, 400, ""},
		{http.MethodPost, proof, map[string]any{"password": apptest.Password}, 400, "body.code"},
		{http.MethodPost, proof, map[string]any{"password": apptest.Password, "code": true}, 400, "body.code"},
		{http.MethodPost, proof, huge, 413, ""},
		{http.MethodPost, proof, map[string]any{"password": apptest.Password, "code": "123456"}, 409, ""},
		{http.MethodPost, "/v1/auth/login/2fa", `{"challenge"`, 400, ""},
		{http.MethodPost, "/v1/auth/login/2fa", map[string]any{"code": "123456"}, 400, "body.challenge"},
		{http.MethodPost, "/v1/auth/login/2fa", map[string]any{"challenge": "abc"}, 400, "body.code"},
		{http.MethodPost, "/v1/auth/login/2fa", map[string]any{"challenge": strings.Repeat("c", 65), "code": "123456"}, 400, "body.challenge"},
		{http.MethodPost, "/v1/auth/login/2fa", map[string]any{"challenge": "abc", "code": "123456", "user_id": ana.UserID}, 400, "body.user_id"},
		{http.MethodPost, "/v1/auth/login/2fa", huge, 413, ""},
		{http.MethodPost, "/v1/auth/login/2fa", map[string]any{"challenge": strings.Repeat("c", 43), "code": "123456"}, 401, ""},
	} {
		r := a.Do(c.method, c.path, ana.AccessToken, c.body)
		name := c.method + " " + c.path + " " + strings.TrimSpace(string(bodyText(c.body)))
		if len(name) > 200 {
			name = name[:200]
		}
		require.Equal(t, c.status, r.Status, "%s: %s", name, r.Body)
		p := r.Problem(t)
		if c.field != "" {
			assert.Contains(t, p.Fields(), c.field, name)
		}
	}
	// Without a token, each of /v1/me/2fa is 401.
	for _, c := range []call{{http.MethodGet, "/v1/me/2fa", nil, 0, ""}, {http.MethodPost, "/v1/me/2fa/totp", nil, 0, ""},
		{http.MethodPost, "/v1/me/2fa/totp/confirm", map[string]any{"code": "123456", "password": apptest.Password}, 0, ""},
		{http.MethodDelete, "/v1/me/2fa", map[string]any{"password": apptest.Password, "code": "123456"}, 0, ""},
		{http.MethodPost, proof, map[string]any{"password": apptest.Password, "code": "123456"}, 0, ""}} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(c.method, c.path, "", c.body).Status, c.method+" "+c.path)
		assert.Equal(t, http.StatusUnauthorized, a.Do(c.method, c.path, "not-a-token", c.body).Status, c.method+" "+c.path)
	}
	// A deleted account's token starts nothing.
	gone := a.SignUp("gone@example.com")
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", gone.AccessToken, map[string]any{"password": apptest.Password}).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPost, "/v1/me/2fa/totp", gone.AccessToken, nil).Status)

	// Nothing was stored by the refusals.
	var rows int
	require.NoError(t, a.DB(t).QueryRow(context.Background(), `SELECT (SELECT count(*) FROM client.two_factor) +
		(SELECT count(*) FROM client.recovery_codes) + (SELECT count(*) FROM client.login_challenges)`).Scan(&rows))
	assert.Zero(t, rows)
}

// Deleting an account with two-factor sign-in on takes a code besides the
// password; without it on, a code is not asked for.
func TestDeleteAccountAsksForTheSecondFactor(t *testing.T) {
	t.Parallel()
	a, clock := startTwoFactor(t)
	ana := a.SignUp("ana@example.com")
	secret, codes := enrol(t, a, clock, ana.AccessToken)
	clock.Add(30 * time.Second)
	del := func(body map[string]any) apptest.Response {
		return a.Do(http.MethodDelete, "/v1/me", ana.AccessToken, body)
	}

	r := del(map[string]any{"password": apptest.Password})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	assert.Equal(t, []string{"body.code"}, r.Problem(t).Fields(), "no code")
	r = del(map[string]any{"password": apptest.Password, "code": "000000"})
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	assert.Equal(t, []string{"body.code"}, r.Problem(t).Fields(), "a wrong code")
	r = del(map[string]any{"password": "wrong horse battery staple", "code": totpAt(t, secret, clock.Now(), 0)})
	require.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	assert.Equal(t, []string{"body.password"}, r.Problem(t).Fields(), "a wrong password")
	r = del(map[string]any{"password": apptest.Password, "code": strings.Repeat("1", 65)})
	assert.Equal(t, http.StatusBadRequest, r.Status, "an oversized code")
	// Wrong codes are throttled as at login.
	for range 3 {
		require.Equal(t, http.StatusForbidden, del(map[string]any{"password": apptest.Password, "code": "999999"}).Status)
	}
	assert.Equal(t, http.StatusTooManyRequests, del(map[string]any{"password": apptest.Password, "code": "999998"}).Status, "the fifth")
	assert.Equal(t, http.StatusTooManyRequests, del(map[string]any{"password": apptest.Password, "code": totpAt(t, secret, clock.Now(), 0)}).Status)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/me", ana.AccessToken, nil).Status, "nothing was deleted")

	clock.Add(time.Minute)
	r = del(map[string]any{"password": apptest.Password, "code": codes[0]})
	require.Equal(t, http.StatusNoContent, r.Status, "with a recovery code: %s", r.Body)
	var rows int
	require.NoError(t, a.DB(t).QueryRow(context.Background(), `SELECT (SELECT count(*) FROM client.users) +
		(SELECT count(*) FROM client.two_factor) + (SELECT count(*) FROM client.recovery_codes)`).Scan(&rows))
	assert.Zero(t, rows, "the account and its second factor are gone")

	// Without two-factor sign-in, a code is not asked for (nor checked).
	bob := a.SignUp("bob@example.com")
	r = a.Do(http.MethodDelete, "/v1/me", bob.AccessToken, map[string]any{"password": apptest.Password, "code": "123456"})
	assert.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
}

// bodyText is a request body as sent (a string as it is, else JSON).
func bodyText(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	b, _ := json.Marshal(v)
	return b
}
