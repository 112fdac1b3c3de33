package callout

import (
	"crypto/ed25519"
	"errors"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/client/api"
)

// Keys is where the verifier finds the public keys of access tokens: the
// client module's service (its JWKS, in process: no NATS round trip).
type Keys interface {
	JWKS() api.JWKS
}

// The verifier reads the key set again every keysRefresh, and on an
// unknown key id at most every keysReload (the set is in memory, but
// tokens with made-up key ids should not rebuild the map at every connect).
const (
	keysRefresh = time.Minute
	keysReload  = time.Second
)

// verifier checks access tokens like the front does (gateway.JWKSVerifier):
// EdDSA only, a known key id, signature, issuer, audience, expiry, role;
// and that the user was not deleted since.
type verifier struct {
	keys   Keys
	parser *jwt.Parser

	mu       sync.RWMutex
	byID     map[string]ed25519.PublicKey
	loadedAt time.Time
	denied   map[string]time.Time // user id → until
}

func newVerifier(keys Keys) *verifier {
	return &verifier{
		keys: keys,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{api.TokenAlgorithm}),
			jwt.WithIssuer(api.TokenIssuer),
			jwt.WithAudience(api.TokenAudience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(30*time.Second),
		),
		byID:   map[string]ed25519.PublicKey{},
		denied: map[string]time.Time{},
	}
}

type accessClaims struct {
	jwt.RegisteredClaims
	Role      string `json:"role"`
	SessionID string `json:"sid"`
}

// identity is a verified access token.
type identity struct {
	UserID    uuid.UUID
	Role      string
	ExpiresAt time.Time
}

var (
	errNoToken      = errors.New("no access token (connect with the access token as the NATS token)")
	errBadToken     = errors.New("invalid access token")
	errExpiredToken = errors.New("expired access token")
)

// verify checks token at now.
func (v *verifier) verify(token string, now time.Time) (identity, error) {
	if token == "" {
		return identity{}, errNoToken
	}
	if len(token) > 4096 {
		return identity{}, errBadToken
	}
	var claims accessClaims
	_, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		return v.key(kid)
	})
	if errors.Is(err, jwt.ErrTokenExpired) {
		return identity{}, errExpiredToken
	}
	if err != nil {
		return identity{}, errBadToken
	}
	// The leeway lets a token pass the parser up to 30 s after its expiry;
	// a connection authorised now would end at once.
	if claims.ExpiresAt == nil || !claims.ExpiresAt.After(now.Add(time.Second)) {
		return identity{}, errExpiredToken
	}
	if claims.Role != api.RoleUser && claims.Role != api.RoleAdmin {
		return identity{}, errBadToken
	}
	// The user id becomes part of subjects: only a canonical UUID may.
	id, err := uuid.Parse(claims.Subject)
	if err != nil || id.String() != claims.Subject {
		return identity{}, errBadToken
	}
	v.mu.RLock()
	until, denied := v.denied[claims.Subject]
	sessionUntil, sessionDenied := v.denied[sessionKey(claims.SessionID)]
	v.mu.RUnlock()
	if denied && now.Before(until) || claims.SessionID != "" && sessionDenied && now.Before(sessionUntil) {
		return identity{}, errBadToken
	}
	return identity{UserID: id, Role: claims.Role, ExpiresAt: claims.ExpiresAt.Time}, nil
}

func (v *verifier) key(kid string) (ed25519.PublicKey, error) {
	v.mu.RLock()
	k, ok := v.byID[kid]
	loaded := v.loadedAt
	v.mu.RUnlock()
	if ok && time.Since(loaded) < keysRefresh {
		return k, nil
	}
	if !ok && time.Since(loaded) < keysReload {
		return nil, errors.New("unknown kid")
	}
	v.reload()
	v.mu.RLock()
	k, ok = v.byID[kid]
	v.mu.RUnlock()
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return k, nil
}

// reload reads the key set again (after a rotation, or for an unknown kid).
// Retired keys drop out of the set when they stop verifying.
func (v *verifier) reload() {
	keys := v.keys.JWKS().Ed25519Keys()
	v.mu.Lock()
	v.byID, v.loadedAt = keys, time.Now()
	v.mu.Unlock()
}

// sessionKey is a sign-in session's place in the deny list (beside user
// ids).
func sessionKey(sid string) string { return "sid:" + sid }

// deny refuses the tokens of a user until until (the account was deleted),
// or with sessionKey those of a revoked sign-in session.
func (v *verifier) deny(userID string, until time.Time) {
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, u := range v.denied {
		if now.After(u) {
			delete(v.denied, id)
		}
	}
	v.denied[userID] = until
}
