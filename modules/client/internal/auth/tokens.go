package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/client/api"
)

// AccessTokenTTL is how long an access token lives by default, and at
// most (client.Config.AccessTokenTTL may make it shorter).
const AccessTokenTTL = 15 * time.Minute

// KeyOverlap is how long a retired signing key still verifies: the life
// of the last token it signed (at most AccessTokenTTL), plus clock skew.
const KeyOverlap = AccessTokenTTL + 5*time.Minute

// SigningKey is an Ed25519 key that signs access tokens.
type SigningKey struct {
	ID        string
	Private   ed25519.PrivateKey
	CreatedAt time.Time
	// RetiredAt is when a newer key took over; zero for the active key.
	RetiredAt time.Time
}

// NewSigningKey generates a key with a random id.
func NewSigningKey(now time.Time) (SigningKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("auth: generate signing key: %w", err)
	}
	return SigningKey{ID: uuid.NewString(), Private: priv, CreatedAt: now}, nil
}

// Verifies reports whether the key may still verify tokens at now.
func (k SigningKey) Verifies(now time.Time) bool {
	return k.RetiredAt.IsZero() || now.Before(k.RetiredAt.Add(KeyOverlap))
}

// JWK returns the public half as a JSON Web Key (RFC 8037).
func (k SigningKey) JWK() api.JWK {
	return api.JWK{
		KeyType: "OKP", Curve: "Ed25519", Algorithm: api.TokenAlgorithm, Use: "sig", KeyID: k.ID,
		X: base64.RawURLEncoding.EncodeToString(k.Private.Public().(ed25519.PublicKey)),
	}
}

// AccessClaims are the claims of an access token (see api.TokenIssuer and
// friends for the contract the front verifies).
type AccessClaims struct {
	jwt.RegisteredClaims
	Role string `json:"role"`
	// SessionID is the refresh-token family the token was issued in.
	SessionID string `json:"sid"`
}

// IssueAccessToken signs an access token for a user with key, valid for
// ttl (AccessTokenTTL when 0 or longer).
func IssueAccessToken(key SigningKey, userID uuid.UUID, role string, session uuid.UUID, now time.Time, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 || ttl > AccessTokenTTL {
		ttl = AccessTokenTTL
	}
	exp := now.Add(ttl)
	claims := AccessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    api.TokenIssuer,
			Audience:  jwt.ClaimStrings{api.TokenAudience},
			Subject:   userID.String(),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        uuid.NewString(),
		},
		Role:      role,
		SessionID: session.String(),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = key.ID
	s, err := t.SignedString(key.Private)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign access token: %w", err)
	}
	return s, exp, nil
}

// RefreshToken is an opaque refresh token: 256 random bits, shown to the
// client once; only its hash is stored.
type RefreshToken struct {
	Value string
	Hash  []byte
}

// NewRefreshToken makes a refresh token.
func NewRefreshToken() (RefreshToken, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return RefreshToken{}, fmt.Errorf("auth: refresh token: %w", err)
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	return RefreshToken{Value: v, Hash: HashRefreshToken(v)}, nil
}

// ErrMalformedToken means a refresh token is not one Athlos made.
var ErrMalformedToken = errors.New("auth: malformed refresh token")

// HashRefreshToken is the stored form of a refresh token.
func HashRefreshToken(v string) []byte {
	sum := sha256.Sum256([]byte(v))
	return sum[:]
}

// CheckRefreshTokenShape refuses values that cannot be refresh tokens
// before any lookup.
func CheckRefreshTokenShape(v string) error {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) != 32 {
		return ErrMalformedToken
	}
	return nil
}
