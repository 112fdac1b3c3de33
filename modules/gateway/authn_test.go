package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	clientapi "github.com/athlos/athlos/modules/client/api"
)

func testVerifier(t testing.TB) (*JWKSVerifier, ed25519.PrivateKey) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	v := NewJWKSVerifier(nil, nil)
	v.keys = map[string]ed25519.PublicKey{"k1": priv.Public().(ed25519.PublicKey)}
	v.fetchedAt = time.Now()
	return v, priv
}

func testToken(t testing.TB, priv ed25519.PrivateKey, sub string) string {
	now := time.Now()
	tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"iss": clientapi.TokenIssuer, "aud": clientapi.TokenAudience,
		"sub": sub, "role": "user", "sid": "s1", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()})
	tk.Header["kid"] = "k1"
	s, err := tk.SignedString(priv)
	require.NoError(t, err)
	return s
}

func TestVerifierDeniesDeletedUsers(t *testing.T) {
	v, priv := testVerifier(t)
	tok := testToken(t, priv, "u1")
	c, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, "u1", c.UserID)
	assert.Equal(t, "s1", c.SessionID)
	v.Deny("u1")
	_, err = v.Verify(context.Background(), tok)
	assert.Error(t, err)
	_, err = v.Verify(context.Background(), testToken(t, priv, "u2"))
	assert.NoError(t, err, "others are not affected")
}

func TestBearerToken(t *testing.T) {
	for h, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": ""} {
		got, ok := bearerToken(h)
		assert.Equal(t, want, got, h)
		assert.Equal(t, want != "", ok, h)
	}
}

// BenchmarkVerify is the cost of checking an access token at the front:
// signature (Ed25519), claims and the deny list, with the keys in memory.
func BenchmarkVerify(b *testing.B) {
	v, priv := testVerifier(b)
	tok := testToken(b, priv, "u1")
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyFirstSight is the cost of a token the front has not seen
// yet (the cache of verified tokens is bypassed).
func BenchmarkVerifyFirstSight(b *testing.B) {
	v, priv := testVerifier(b)
	tok := testToken(b, priv, "u1")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v.verified = map[string]verifiedToken{}
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
