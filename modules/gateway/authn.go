package gateway

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
)

// How often the front refreshes the signing keys on its own, and how soon
// it may ask again when it meets a key id it does not know.
const (
	keysRefreshEvery = 5 * time.Minute
	keysRetryAfter   = 10 * time.Second
	// deniedFor keeps deleted users out for longer than any token lives.
	deniedFor = 30 * time.Minute
)

var errBadToken = &bus.Error{Code: bus.CodeUnauthorized, Message: "invalid or expired access token"}

// JWKSVerifier verifies access tokens with the public keys the client
// module publishes (rpc.client.keys.get), kept in memory: no call to the
// client module per request. It refreshes the keys every few minutes, when
// the client module announces a rotation, and (rate-limited) when a token
// names an unknown key. Tokens of deleted users are refused at once.
type JWKSVerifier struct {
	nc     *nats.Conn
	log    *slog.Logger
	parser *jwt.Parser

	mu        sync.RWMutex
	keys      map[string]ed25519.PublicKey
	fetchedAt time.Time
	denied    map[string]time.Time // user id → until

	// verified remembers tokens whose signature and claims checked out,
	// until they expire: an app sends the same token with every request,
	// and an Ed25519 verification costs tens of microseconds.
	cacheMu  sync.RWMutex
	verified map[string]verifiedToken
}

type verifiedToken struct {
	caller  bus.Caller
	expires time.Time
}

// maxVerified bounds the cache of verified tokens; when full it starts
// afresh (a token costs one verification more, nothing else).
const maxVerified = 100_000

// NewJWKSVerifier returns a verifier that fetches keys over nc.
func NewJWKSVerifier(nc *nats.Conn, log *slog.Logger) *JWKSVerifier {
	return &JWKSVerifier{
		nc:  nc,
		log: log,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{clientapi.TokenAlgorithm}),
			jwt.WithIssuer(clientapi.TokenIssuer),
			jwt.WithAudience(clientapi.TokenAudience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(30*time.Second),
		),
		keys:     map[string]ed25519.PublicKey{},
		denied:   map[string]time.Time{},
		verified: map[string]verifiedToken{},
	}
}

// accessClaims are the claims the front reads (the client module's
// contract: clientapi.ClaimRole, clientapi.ClaimSession).
type accessClaims struct {
	jwt.RegisteredClaims
	Role      string `json:"role"`
	SessionID string `json:"sid"`
}

// Verify checks a token: algorithm EdDSA only, a known key id, signature,
// issuer, audience, expiry; and that the user was not deleted since.
func (v *JWKSVerifier) Verify(ctx context.Context, token string) (bus.Caller, error) {
	if len(token) > 4096 {
		return bus.Caller{}, errBadToken
	}
	now := time.Now()
	v.cacheMu.RLock()
	hit, ok := v.verified[token]
	v.cacheMu.RUnlock()
	if ok && now.Before(hit.expires) {
		return v.allowed(hit.caller, now)
	}
	var claims accessClaims
	_, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		return v.key(ctx, kid)
	})
	if err != nil {
		var be *bus.Error
		if errors.As(err, &be) && be.Code == bus.CodeUnavailable {
			return bus.Caller{}, be
		}
		return bus.Caller{}, errBadToken
	}
	if claims.Subject == "" || (claims.Role != clientapi.RoleUser && claims.Role != clientapi.RoleAdmin) {
		return bus.Caller{}, errBadToken
	}
	caller := bus.Caller{UserID: claims.Subject, Role: claims.Role, SessionID: claims.SessionID}
	v.cacheMu.Lock()
	if len(v.verified) >= maxVerified {
		v.verified = make(map[string]verifiedToken, maxVerified/4)
	}
	v.verified[token] = verifiedToken{caller: caller, expires: claims.ExpiresAt.Time}
	v.cacheMu.Unlock()
	return v.allowed(caller, now)
}

// allowed refuses the callers whose account was deleted or whose
// sign-in session was revoked.
func (v *JWKSVerifier) allowed(c bus.Caller, now time.Time) (bus.Caller, error) {
	v.mu.RLock()
	until, denied := v.denied[c.UserID]
	sessionUntil, sessionDenied := v.denied[sessionKey(c.SessionID)]
	v.mu.RUnlock()
	if denied && now.Before(until) || c.SessionID != "" && sessionDenied && now.Before(sessionUntil) {
		return bus.Caller{}, errBadToken
	}
	return c, nil
}

// sessionKey is a sign-in session's place in the deny list (beside user
// ids).
func sessionKey(sid string) string { return "sid:" + sid }

// DenySession refuses the tokens of a revoked sign-in session for longer
// than any of them lives.
func (v *JWKSVerifier) DenySession(sid string) { v.Deny(sessionKey(sid)) }

// key returns the public key kid, fetching the key set when it is unknown
// (at most once per keysRetryAfter) or stale.
func (v *JWKSVerifier) key(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	v.mu.RLock()
	k, ok := v.keys[kid]
	fetched := v.fetchedAt
	v.mu.RUnlock()
	if ok && time.Since(fetched) < keysRefreshEvery {
		return k, nil
	}
	if !ok && time.Since(fetched) < keysRetryAfter {
		return nil, errors.New("unknown kid")
	}
	if err := v.Refresh(ctx); err != nil {
		if ok {
			return k, nil // keep using what we have
		}
		return nil, err
	}
	v.mu.RLock()
	k, ok = v.keys[kid]
	v.mu.RUnlock()
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return k, nil
}

// Refresh fetches the key set from the client module.
func (v *JWKSVerifier) Refresh(ctx context.Context) error {
	set, err := bus.Call[struct{}, clientapi.JWKS](ctx, v.nc, clientapi.SubjectKeysGet, struct{}{})
	if err != nil {
		v.mu.Lock()
		v.fetchedAt = time.Now() // don't hammer a module that is down
		v.mu.Unlock()
		return err
	}
	keys := set.Ed25519Keys()
	v.mu.Lock()
	v.keys, v.fetchedAt = keys, time.Now()
	v.mu.Unlock()
	return nil
}

// Deny refuses the tokens of a user from now on (the account was deleted).
func (v *JWKSVerifier) Deny(userID string) {
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, until := range v.denied {
		if now.After(until) {
			delete(v.denied, id)
		}
	}
	v.denied[userID] = now.Add(deniedFor)
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
