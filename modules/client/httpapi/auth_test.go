package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/service"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")

	r := a.Do(http.MethodPost, "/v1/auth/register", "", map[string]any{
		"email": "  Ana.Lopez@Example.COM ", "password": apptest.Password, "first_name": "Ana", "last_name": "López", "language": "pt-br",
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var tok api.TokenResponse
	r.JSON(t, &tok)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, 900, tok.ExpiresIn)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Len(t, tok.RefreshToken, 43)
	_, err := uuid.Parse(tok.UserID)
	require.NoError(t, err)

	// The address was normalised: the same one in other case is taken.
	r = a.Do(http.MethodPost, "/v1/auth/register", "", map[string]any{"email": "ana.lopez@example.com", "password": apptest.Password})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Equal(t, []string{"body.email"}, r.Problem(t).Fields())

	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"weak password", map[string]any{"email": "b@example.com", "password": "password1234"}, "body.password"},
		{"password is the email", map[string]any{"email": "bob.builder@example.com", "password": "bob.builder@example.com"}, "body.password"},
		{"short password", map[string]any{"email": "b@example.com", "password": "Xy7!"}, "body.password"},
		{"long password", map[string]any{"email": "b@example.com", "password": strings.Repeat("x", 257)}, "body.password"},
		{"bad email", map[string]any{"email": "bob@localhost", "password": apptest.Password}, "body.email"},
		{"email with a name", map[string]any{"email": "Bob <bob@example.com>", "password": apptest.Password}, "body.email"},
		{"long email", map[string]any{"email": strings.Repeat("b", 250) + "@example.com", "password": apptest.Password}, "body.email"},
		{"missing email", map[string]any{"password": apptest.Password}, "body.email"},
		{"missing password", map[string]any{"email": "b@example.com"}, "body.password"},
		{"unknown language", map[string]any{"email": "b@example.com", "password": apptest.Password, "language": "tlh"}, "body.language"},
		{"not a language", map[string]any{"email": "b@example.com", "password": apptest.Password, "language": "!!"}, "body.language"},
		{"long name", map[string]any{"email": "b@example.com", "password": apptest.Password, "first_name": strings.Repeat("n", 101)}, "body.first_name"},
		{"control characters", map[string]any{"email": "b@example.com", "password": apptest.Password, "last_name": "a\nb"}, "body.last_name"},
		{"unknown field", map[string]any{"email": "b@example.com", "password": apptest.Password, "role": "admin"}, "body.role"},
	}
	for _, c := range cases {
		r := a.Do(http.MethodPost, "/v1/auth/register", "", c.body)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.name+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.name)
	}

	r = a.Do(http.MethodPost, "/v1/auth/register", "", `{"email": "b@example.com", "password": `)
	assert.Equal(t, http.StatusBadRequest, r.Status, "malformed JSON")
	r = a.Do(http.MethodPost, "/v1/auth/register", "", `{"email": "b@example.com", "password": "`+strings.Repeat("p", 2<<20)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "huge bodies")

	// None of the refused registrations created an account.
	conn, err := pgx.Connect(context.Background(), a.DBURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var users, outbox int
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM client.users").Scan(&users))
	assert.Equal(t, 1, users)
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT count(*) FROM client.outbox WHERE subject = 'evt.client.user.registered'").Scan(&outbox))
	assert.LessOrEqual(t, outbox, 1, "one registration event at most (the relay may have published it already)")
}

func login(a *apptest.App, email, password string) apptest.Response {
	return a.Do(http.MethodPost, "/v1/auth/login", "", map[string]any{"email": email, "password": password})
}

func TestLoginAndThrottling(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	a.SignUp("ana@example.com")
	a.SignUp("bob@example.com")

	r := login(a, "ANA@example.com ", apptest.Password)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	// Unknown account and wrong password: the same answer.
	unknown := login(a, "nobody@example.com", apptest.Password).Problem(t)
	wrong := login(a, "ana@example.com", "wrong horse battery staple").Problem(t)
	assert.Equal(t, http.StatusUnauthorized, unknown.Status)
	assert.Equal(t, unknown.Detail, wrong.Detail)
	assert.Equal(t, unknown.Code, wrong.Code)
	assert.Equal(t, http.StatusUnauthorized, login(a, "", "").Status)

	// The fifth failure in a row from this address locks the account for
	// this address, and for a while even the right password is refused.
	for i := 0; i < 3; i++ {
		assert.Equal(t, http.StatusUnauthorized, login(a, "ana@example.com", "wrong horse battery staple").Status)
	}
	r = login(a, "ana@example.com", "wrong horse battery staple")
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.Equal(t, "rate_limited", r.Problem(t).Code)
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
	r = login(a, "ana@example.com", apptest.Password)
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	// Another account from the same address is not affected.
	assert.Equal(t, http.StatusOK, login(a, "bob@example.com", apptest.Password).Status)
}

// signingKey reads the app's active signing key from its database, with the
// secret key from its data dir: the test can then sign tokens the front
// would accept, to check the claims it insists on.
func signingKey(t *testing.T, a *apptest.App, dataDir string) auth.SigningKey {
	t.Helper()
	hexKey, err := os.ReadFile(filepath.Join(dataDir, "secret.key"))
	require.NoError(t, err)
	kek, err := hex.DecodeString(strings.TrimSpace(string(hexKey)))
	require.NoError(t, err)
	sealer, err := auth.NewSealer(kek)
	require.NoError(t, err)
	conn, err := pgx.Connect(context.Background(), a.DBURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var id string
	var sealed []byte
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT id, sealed_key FROM client.signing_keys WHERE retired_at IS NULL").Scan(&id, &sealed))
	seed, err := sealer.Open(sealed, id)
	require.NoError(t, err)
	return auth.SigningKey{ID: id, Private: ed25519.NewKeyFromSeed(seed)}
}

func TestAccessTokensAreCheckedAtTheFront(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com")
	change := func(token string) apptest.Response {
		return a.Do(http.MethodPut, "/v1/auth/password", token, map[string]any{
			"current_password": "wrong but irrelevant", "new_password": "another strong passphrase here"})
	}
	// A valid token reaches the module (which then refuses the password).
	assert.Equal(t, http.StatusBadRequest, change(tok.AccessToken).Status)

	key := signingKey(t, a, a.DataDir)
	user, _ := uuid.Parse(tok.UserID)
	sign := func(method jwt.SigningMethod, k any, claims jwt.MapClaims, kid string) string {
		tk := jwt.NewWithClaims(method, claims)
		tk.Header["kid"] = kid
		s, err := tk.SignedString(k)
		require.NoError(t, err)
		return s
	}
	now := time.Now()
	claims := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": api.TokenIssuer, "aud": api.TokenAudience, "sub": user.String(), "role": "user",
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if mut != nil {
			mut(c)
		}
		return c
	}
	good := sign(jwt.SigningMethodEdDSA, key.Private, claims(nil), key.ID)
	assert.Equal(t, http.StatusBadRequest, change(good).Status, "a token the test signed with the real key passes")

	_, foreign, _ := ed25519.GenerateKey(rand.Reader)
	pub := key.Private.Public().(ed25519.PublicKey)
	parts := strings.Split(good, ".")
	tamperedClaims, _ := json.Marshal(claims(func(c jwt.MapClaims) { c["role"] = "admin" }))
	bad := map[string]string{
		"expired":         sign(jwt.SigningMethodEdDSA, key.Private, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), key.ID),
		"no expiry":       sign(jwt.SigningMethodEdDSA, key.Private, claims(func(c jwt.MapClaims) { delete(c, "exp") }), key.ID),
		"wrong audience":  sign(jwt.SigningMethodEdDSA, key.Private, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" }), key.ID),
		"wrong issuer":    sign(jwt.SigningMethodEdDSA, key.Private, claims(func(c jwt.MapClaims) { c["iss"] = "evil" }), key.ID),
		"unknown role":    sign(jwt.SigningMethodEdDSA, key.Private, claims(func(c jwt.MapClaims) { c["role"] = "root" }), key.ID),
		"foreign key":     sign(jwt.SigningMethodEdDSA, foreign, claims(nil), key.ID),
		"unknown kid":     sign(jwt.SigningMethodEdDSA, foreign, claims(nil), "not-a-key"),
		"HS256 confusion": sign(jwt.SigningMethodHS256, []byte(pub), claims(nil), key.ID),
		"alg none":        sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil), key.ID),
		"tampered":        parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedClaims) + "." + parts[2],
		"garbage":         "not.a.token",
		"huge":            strings.Repeat("a", 5000),
	}
	for name, token := range bad {
		r := change(token)
		assert.Equal(t, http.StatusUnauthorized, r.Status, name)
		assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer", name)
		assert.Equal(t, "unauthorized", r.Problem(t).Code, name)
	}
	r := a.Do(http.MethodPut, "/v1/auth/password", "", map[string]any{"current_password": "x", "new_password": "y"})
	assert.Equal(t, http.StatusUnauthorized, r.Status, "no token")

	// The JWKS publishes the key that signed the token.
	r = a.Do(http.MethodGet, "/.well-known/jwks.json", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var set api.JWKS
	r.JSON(t, &set)
	require.Len(t, set.Keys, 1)
	assert.Equal(t, key.ID, set.Keys[0].KeyID)
	assert.Equal(t, "EdDSA", set.Keys[0].Algorithm)
}

func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	first := a.SignUp("ana@example.com")
	refresh := func(token string) apptest.Response {
		return a.Do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": token})
	}
	r := refresh(first.RefreshToken)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var second api.TokenResponse
	r.JSON(t, &second)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)

	// The spent token again: theft. The whole session is revoked, so the
	// newer token (which the thief or the owner holds) dies too.
	assert.Equal(t, http.StatusUnauthorized, refresh(first.RefreshToken).Status)
	assert.Equal(t, http.StatusUnauthorized, refresh(second.RefreshToken).Status)

	for name, token := range map[string]string{"garbage": "garbage", "unknown": strings.Repeat("A", 43), "empty": ""} {
		assert.Equal(t, http.StatusUnauthorized, refresh(token).Status, name)
	}
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/auth/refresh", "", `{"refresh_token": 7}`).Status)

	// Logout revokes the session; logging out twice is fine.
	r = login(a, "ana@example.com", apptest.Password)
	var third api.TokenResponse
	r.JSON(t, &third)
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/auth/logout", "", map[string]any{"refresh_token": third.RefreshToken}).Status)
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/auth/logout", "", map[string]any{"refresh_token": third.RefreshToken}).Status)
	assert.Equal(t, http.StatusUnauthorized, refresh(third.RefreshToken).Status)
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	here := a.SignUp("ana@example.com")
	var elsewhere api.TokenResponse
	login(a, "ana@example.com", apptest.Password).JSON(t, &elsewhere)
	change := func(current, next string) apptest.Response {
		return a.Do(http.MethodPut, "/v1/auth/password", here.AccessToken, map[string]any{"current_password": current, "new_password": next})
	}
	const next = "another strong passphrase here"

	r := change("wrong horse battery staple", next)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.current_password"}, r.Problem(t).Fields())
	r = change(apptest.Password, "password1234")
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.new_password"}, r.Problem(t).Fields())
	r = change(apptest.Password, apptest.Password)
	assert.Equal(t, http.StatusBadRequest, r.Status)

	require.Equal(t, http.StatusNoContent, change(apptest.Password, next).Status)
	assert.Equal(t, http.StatusUnauthorized, login(a, "ana@example.com", apptest.Password).Status)
	assert.Equal(t, http.StatusOK, login(a, "ana@example.com", next).Status)
	// This session lives on; the other one is signed out.
	refresh := func(token string) int {
		return a.Do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": token}).Status
	}
	assert.Equal(t, http.StatusOK, refresh(here.RefreshToken))
	assert.Equal(t, http.StatusUnauthorized, refresh(elsewhere.RefreshToken))
}

// TestAuthEndpointsRefuseBadBodies sends every auth endpoint malformed,
// mistyped, incomplete and oversized bodies: 400 or 413, and nothing else.
func TestAuthEndpointsRefuseBadBodies(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com")
	endpoints := []struct {
		method, path, token string
	}{
		{http.MethodPost, "/v1/auth/register", ""},
		{http.MethodPost, "/v1/auth/login", ""},
		{http.MethodPost, "/v1/auth/refresh", ""},
		{http.MethodPost, "/v1/auth/logout", ""},
		{http.MethodPut, "/v1/auth/password", tok.AccessToken},
	}
	for _, e := range endpoints {
		for name, body := range map[string]string{
			"malformed":     `{"email": `,
			"not an object": `[1, 2, 3]`,
			"wrong types":   `{"email": 1, "password": true, "refresh_token": 5, "current_password": [], "new_password": {}}`,
			"unknown field": `{"surprise": "x"}`,
			"empty":         ``,
		} {
			r := a.Do(e.method, e.path, e.token, body)
			assert.Equal(t, http.StatusBadRequest, r.Status, "%s %s %s: %s", e.method, e.path, name, r.Body)
			assert.NotEmpty(t, r.Problem(t).Errors, "%s %s %s names the field", e.method, e.path, name)
		}
		r := a.Do(e.method, e.path, e.token, `{"email": "`+strings.Repeat("x", 2<<20)+`"}`)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "%s %s oversized", e.method, e.path)
	}
	// None of it signed anyone out.
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil).Status)
}

// A burst of sign-ins larger than the hasher queues is shed at once: the
// surplus answers 503 with Retry-After (not a wait until the request's
// deadline), nothing half made is left, and the next registration works.
func TestRegistrationBurstIsShed(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	n := 4 * auth.QueuePerSlot * service.HashConcurrency()
	statuses := make([]int, n)
	retryAfter := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"email": "burst-%d@example.com", "password": %q}`, i, apptest.Password)
			resp, err := a.Client.Post(a.BaseURL+"/v1/auth/register", "application/json", strings.NewReader(body))
			if err != nil {
				return
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			statuses[i], retryAfter[i] = resp.StatusCode, resp.Header.Get("Retry-After")
		})
	}
	wg.Wait()
	created, shed := 0, 0
	for i, st := range statuses {
		switch st {
		case http.StatusCreated:
			created++
		case http.StatusServiceUnavailable:
			shed++
			assert.NotEmpty(t, retryAfter[i])
		default:
			t.Errorf("registration %d: status %d", i, st)
		}
	}
	assert.Positive(t, shed, "more than the queue holds is shed")
	assert.Positive(t, created)

	conn, err := pgx.Connect(context.Background(), a.DBURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var users int
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM client.users").Scan(&users))
	assert.Equal(t, created, users, "an account for each 201, none for a 503")
	a.SignUp("after-the-burst@example.com")
}
