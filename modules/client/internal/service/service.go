// Package service holds the client module's use cases: registration,
// login, token refresh and revocation, password change (auth.go), signing
// keys (keys.go), the profile (profile.go), gear and the training
// sessions it counts (gear.go), and administration. It combines the
// domain rules (auth, profile, gear, throttle) with the store and the
// outbox, and returns *bus.Error for everything a caller did wrong, its
// code named in each method's doc comment. A method takes the caller
// explicitly (the rpc adapter resolves it) and never sees a NATS type.
package service

import (
	"context"
	"log/slog"
	"net/mail"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/store"
)

// RefreshTokenTTL is how long an unused refresh token stays valid; every
// refresh starts a new one.
const RefreshTokenTTL = 30 * 24 * time.Hour

// Service runs the client module's use cases.
type Service struct {
	pool   *pgxpool.Pool
	hasher hasher
	sealer *auth.Sealer
	log    *slog.Logger
	now    func() time.Time
	// accessTTL is the life of the access tokens issued (0:
	// auth.AccessTokenTTL).
	accessTTL time.Duration
	// idem keeps the idempotency keys of gear creation; nil takes none.
	idem *bus.Idempotency
	// mail is what the account mails need (accountmail.go).
	mail MailSettings
	// resetWake wakes RunResetRequests.
	resetWake chan struct{}

	mu   sync.RWMutex
	keys []auth.SigningKey // newest first; keys[0] signs
}

// New returns the service. kek is the 32-byte key-encryption key of the
// signing keys; hashConcurrency bounds concurrent argon2id hashes (and
// strength estimates), HashConcurrency is the one to use. idem keeps the
// idempotency keys of the creating use cases (bus.Once); nil takes none.
func New(pool *pgxpool.Pool, kek []byte, hashConcurrency int, log *slog.Logger, idem *bus.Idempotency) (*Service, error) {
	sealer, err := auth.NewSealer(kek)
	if err != nil {
		return nil, err
	}
	return &Service{pool: pool, hasher: hasher{auth.NewHasher(hashConcurrency)}, sealer: sealer, log: log,
		now: func() time.Time { return time.Now().UTC() }, idem: idem, mail: defaultMailSettings(),
		resetWake: make(chan struct{}, 1)}, nil
}

// SetAccessTokenTTL makes the access tokens issued from now on live for
// ttl, at most auth.AccessTokenTTL (0: that). Call it before serving.
func (s *Service) SetAccessTokenTTL(ttl time.Duration) { s.accessTTL = ttl }

// HashConcurrency is how many passwords a process hashes at once: half
// its cores (at least one), so that a crowd of sign-ins, which anybody
// can send, leaves the other half to the signed-in users.
func HashConcurrency() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// TokenPair is what a successful login, registration or refresh returns:
// a bearer access token and the refresh token that renews it.
type TokenPair struct {
	AccessToken  string
	ExpiresIn    int // seconds
	RefreshToken string
	UserID       uuid.UUID
	// DeviceToken (login and registration) marks the device as one the
	// account knows (Login).
	DeviceToken string
}

// NormalizeEmail trims and lower-cases an address and checks its form:
// invalid (body.email) when it is not an address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 {
		return "", bus.Invalid("body.email", "must be at most 254 characters")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", bus.Invalid("body.email", "is not a valid email address")
	}
	return s, nil
}

// issue creates a new refresh token in family (a new family when Nil) and
// an access token, inside tx.
func (s *Service) issue(ctx context.Context, tx pgx.Tx, user uuid.UUID, role string, family uuid.UUID) (TokenPair, error) {
	now := s.now()
	if family == uuid.Nil {
		family = uuid.New()
	}
	rt, err := auth.NewRefreshToken()
	if err != nil {
		return TokenPair{}, err
	}
	if err := store.InsertRefreshToken(ctx, tx, rt.Hash, family, user, now.Add(RefreshTokenTTL)); err != nil {
		return TokenPair{}, err
	}
	key, err := s.signingKey()
	if err != nil {
		return TokenPair{}, err
	}
	access, exp, err := auth.IssueAccessToken(key, user, role, family, now, s.accessTTL)
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, ExpiresIn: int(exp.Sub(now).Seconds()), RefreshToken: rt.Value, UserID: user}, nil
}

// Maintain reloads the signing keys (in case an evt.client.keys.rotated
// was missed) and deletes long-expired refresh and email tokens and
// throttling counters a day old; the module runs it
// every few minutes. Failures are logged.
func (s *Service) Maintain(ctx context.Context) {
	if err := s.LoadKeys(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("reload signing keys", "err", err)
	}
	// Keep expired tokens a week, so reuse of one is still recognised.
	if _, err := store.DeleteExpiredRefreshTokens(ctx, s.pool, s.now().Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
		s.log.Warn("delete expired refresh tokens", "err", err)
	}
	if _, err := store.DeleteExpiredEmailTokens(ctx, s.pool, s.now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
		s.log.Warn("delete expired email tokens", "err", err)
	}
	if _, err := store.SweepThrottle(ctx, s.pool, s.now().Add(-24*time.Hour), s.now()); err != nil && ctx.Err() == nil {
		s.log.Warn("sweep throttling counters", "err", err)
	}
}
