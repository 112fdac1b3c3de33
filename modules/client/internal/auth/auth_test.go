package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/client/api"
)

func TestPasswordPolicy(t *testing.T) {
	for _, pw := range []string{"short", "password123", "qwertyuiop", "aaaaaaaaaaaa", "1234567890", "ana.lopez1990"} {
		assert.ErrorIs(t, CheckPassword(pw, "ana.lopez1990@example.com", "Ana", "Lopez"), ErrWeakPassword, pw)
	}
	assert.ErrorIs(t, CheckPassword(strings.Repeat("x", MaxPasswordLen+1)), ErrWeakPassword)
	assert.NoError(t, CheckPassword("correct horse battery staple"))
	assert.NoError(t, CheckPassword("T9#vq!2mLw$8"))
	assert.NoError(t, CheckPassword("ana.smith@example.com"), "strong on its own...")
	assert.ErrorIs(t, CheckPassword("ana.smith@example.com", "Ana.Smith@example.com", "Ana", "Smith"), ErrWeakPassword,
		"...but not as the user's own email")
}

func TestHashAndVerify(t *testing.T) {
	h := NewHasher(2)
	ctx := context.Background()
	phc, err := h.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$"), phc)
	ok, err := h.Verify(ctx, "correct horse battery staple", phc)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = h.Verify(ctx, "correct horse battery stapler", phc)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.False(t, NeedsRehash(phc))

	again, err := h.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	assert.NotEqual(t, phc, again, "salted")

	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "plain"} {
		_, err := h.Verify(ctx, "x", bad)
		assert.ErrorIs(t, err, ErrBadHash, bad)
	}
	assert.NoError(t, h.VerifyDummy(ctx, "anything"))

	// A hash made with other parameters still verifies, and asks for a rehash.
	old := "$argon2id$v=19$m=4096,t=1,p=1$" + b64.EncodeToString([]byte("0123456789abcdef")) + "$"
	ok, err = h.Verify(ctx, "x", old+b64.EncodeToString(make([]byte, 32)))
	require.NoError(t, err)
	assert.False(t, ok)
	assert.True(t, NeedsRehash(old+b64.EncodeToString(make([]byte, 32))))
}

func TestHasherHonoursCancellation(t *testing.T) {
	h := NewHasher(1)
	h.sem <- struct{}{} // the only slot is taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.Hash(ctx, "correct horse battery staple")
	assert.ErrorIs(t, err, context.Canceled)
}

func verify(t *testing.T, key SigningKey, token string) (*AccessClaims, error) {
	t.Helper()
	claims := &AccessClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		assert.Equal(t, key.ID, tok.Header["kid"])
		return key.Private.Public(), nil
	}, jwt.WithValidMethods([]string{api.TokenAlgorithm}), jwt.WithIssuer(api.TokenIssuer), jwt.WithAudience(api.TokenAudience),
		jwt.WithExpirationRequired())
	return claims, err
}

func TestAccessTokens(t *testing.T) {
	now := time.Now()
	key, err := NewSigningKey(now)
	require.NoError(t, err)
	user, session := uuid.New(), uuid.New()
	tok, exp, err := IssueAccessToken(key, user, api.RoleAdmin, session, now, 0)
	require.NoError(t, err)
	assert.Equal(t, AccessTokenTTL, exp.Sub(now))
	claims, err := verify(t, key, tok)
	require.NoError(t, err)
	assert.Equal(t, user.String(), claims.Subject)
	assert.Equal(t, api.RoleAdmin, claims.Role)
	assert.Equal(t, session.String(), claims.SessionID)

	// Expired tokens fail.
	old, _, err := IssueAccessToken(key, user, api.RoleUser, session, now.Add(-time.Hour), 0)
	require.NoError(t, err)
	_, err = verify(t, key, old)
	assert.ErrorIs(t, err, jwt.ErrTokenExpired)

	jwk := key.JWK()
	assert.Equal(t, "OKP", jwk.KeyType)
	assert.Equal(t, "Ed25519", jwk.Curve)
	x, err := base64.RawURLEncoding.DecodeString(jwk.X)
	require.NoError(t, err)
	assert.Equal(t, []byte(key.Private.Public().(ed25519.PublicKey)), x)

	assert.True(t, key.Verifies(now))
	key.RetiredAt = now
	assert.True(t, key.Verifies(now.Add(AccessTokenTTL)), "a retired key verifies the tokens it signed")
	assert.False(t, key.Verifies(now.Add(KeyOverlap+time.Second)))
}

func TestRefreshTokens(t *testing.T) {
	a, err := NewRefreshToken()
	require.NoError(t, err)
	b, err := NewRefreshToken()
	require.NoError(t, err)
	assert.NotEqual(t, a.Value, b.Value)
	assert.Len(t, a.Value, 43)
	assert.Equal(t, a.Hash, HashRefreshToken(a.Value))
	assert.NoError(t, CheckRefreshTokenShape(a.Value))
	assert.ErrorIs(t, CheckRefreshTokenShape("nope"), ErrMalformedToken)
	assert.ErrorIs(t, CheckRefreshTokenShape(strings.Repeat("A", 44)), ErrMalformedToken)
}

func TestSealer(t *testing.T) {
	kek := make([]byte, 32)
	s, err := NewSealer(kek)
	require.NoError(t, err)
	sealed, err := s.Seal([]byte("seed"), "key-1")
	require.NoError(t, err)
	plain, err := s.Open(sealed, "key-1")
	require.NoError(t, err)
	assert.Equal(t, "seed", string(plain))
	_, err = s.Open(sealed, "key-2")
	assert.ErrorIs(t, err, ErrUnseal, "bound to its row")
	other, err := NewSealer(append(make([]byte, 31), 1))
	require.NoError(t, err)
	_, err = other.Open(sealed, "key-1")
	assert.ErrorIs(t, err, ErrUnseal)
	_, err = NewSealer([]byte("short"))
	assert.Error(t, err)
}

// BenchmarkHash is the cost of one argon2id hash at OWASP's parameters:
// the bound of login throughput.
func BenchmarkHash(b *testing.B) {
	h := NewHasher(1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
