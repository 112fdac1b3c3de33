package service

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/profile"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage"
)

// errBadCredentials is the one answer to a wrong email or password.
var errBadCredentials = &bus.Error{Code: bus.CodeUnauthorized, Message: "invalid email or password"}

// errBadRefresh is the one answer to a refresh token that is unknown,
// expired, revoked or reused.
var errBadRefresh = &bus.Error{Code: bus.CodeUnauthorized, Message: "invalid refresh token"}

// Registration is a new account.
type Registration struct {
	Email     string
	Password  string
	FirstName string
	LastName  string
	Language  string // BCP 47; empty means en
	// ClientIP is the address it came from, which throttling counts
	// (empty: not counted).
	ClientIP string
}

// Register creates an account with the role user, mails a link that
// verifies its address (in its language), and logs it in.
// Registrations are counted per address (each costs a password hash):
// past throttle.Register, that address waits. It returns rate_limited
// (with Retry-After) then, invalid naming the body's field (email,
// first_name, last_name, language, password: too weak), conflict when
// the email is registered already, and unavailable when too many
// passwords are being hashed at once.
func (s *Service) Register(ctx context.Context, in Registration) (TokenPair, error) {
	// Loopback is a proxy or a tool on the machine, whose clients all
	// share its address: not a client to count (until the front knows
	// the client's own address behind a trusted proxy).
	if ip := net.ParseIP(in.ClientIP); ip != nil && !ip.IsLoopback() {
		key := []throttle.Key{throttle.RegisterKey(in.ClientIP)}
		if locks, err := s.lockedFor(ctx, key); err != nil {
			return TokenPair{}, err
		} else if len(locks) > 0 {
			return TokenPair{}, tooManyRegistrations(locks)
		}
		if err := s.count(ctx, key); err != nil {
			return TokenPair{}, err
		}
	}
	return s.createUser(ctx, in, api.RoleUser)
}

// tooManyRegistrations is the answer to an address that registered too
// often.
func tooManyRegistrations(locks []lock) error {
	secs, limits := rateLimits(locks)
	return &bus.Error{Code: bus.CodeRateLimited, Message: "too many registrations from this address; try again later",
		RetryAfter: secs, RateLimits: limits}
}

// lock is a counter that locks, and for how long.
type lock struct {
	rule throttle.Rule
	wait time.Duration
}

// rateLimits is what a refusal tells of its locks: the longest wait in
// whole seconds (Retry-After) and each lock's policy, with nothing left
// of its quota until it ends.
func rateLimits(locks []lock) (int, []bus.RateLimit) {
	var wait time.Duration
	limits := make([]bus.RateLimit, 0, len(locks))
	for _, l := range locks {
		wait = max(wait, l.wait)
		limits = append(limits, bus.RateLimit{Policy: l.rule.Policy, Quota: l.rule.Threshold,
			WindowS: int(l.rule.Window / time.Second), Remaining: 0, ResetS: ceilSeconds(l.wait)})
	}
	return ceilSeconds(wait), limits
}

func ceilSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// CreateUser creates an account with a role (the admin command) and mails
// it a verification link, with
// Register's errors but for throttling.
func (s *Service) CreateUser(ctx context.Context, in Registration, role string) (uuid.UUID, error) {
	p, err := s.createUser(ctx, in, role)
	if err != nil {
		return uuid.Nil, err
	}
	return p.UserID, nil
}

func (s *Service) createUser(ctx context.Context, in Registration, role string) (TokenPair, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return TokenPair{}, err
	}
	for field, v := range map[string]string{"first_name": in.FirstName, "last_name": in.LastName} {
		if err := profile.CheckName(field, v); err != nil {
			return TokenPair{}, bus.FieldInvalid("body.", err)
		}
	}
	lang := "en"
	if in.Language != "" {
		if lang, err = profile.NormalizeLanguage(in.Language); err != nil {
			return TokenPair{}, bus.FieldInvalid("body.", err)
		}
	}
	if err := s.hasher.CheckPassword(ctx, in.Password, email, in.FirstName, in.LastName); errors.Is(err, auth.ErrWeakPassword) {
		return TokenPair{}, bus.Invalid("body.password", err.Error())
	} else if err != nil {
		return TokenPair{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return TokenPair{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return TokenPair{}, err
	}
	var pair TokenPair
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := store.InsertUser(ctx, tx, store.NewUser{ID: id, Email: email, PasswordHash: hash, Role: role,
			FirstName: in.FirstName, LastName: in.LastName, Language: lang, Privacy: store.Privacy(profile.DefaultPrivacy())})
		if errors.Is(err, store.ErrDuplicateEmail) {
			return &bus.Error{Code: bus.CodeConflict, Message: "an account with this email already exists",
				Fields: []bus.FieldError{{Field: "body.email", Reason: "is already registered"}}}
		}
		if err != nil {
			return err
		}
		if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventUserRegistered, api.UserRegistered{
			UserID: id.String(), DisplayName: displayName(in.FirstName, in.LastName), Language: lang, RegisteredAt: s.now(),
		}); err != nil {
			return err
		}
		if err := s.sendVerification(ctx, tx, id, email, in.FirstName, lang); err != nil {
			return err
		}
		if pair, err = s.issue(ctx, tx, id, role, uuid.Nil); err != nil {
			return err
		}
		pair.DeviceToken, err = s.knowDevice(ctx, tx, id, "", nil)
		return err
	})
	if err == nil {
		s.wakeMail()
	}
	return pair, err
}

// Credentials are what a login presents.
type Credentials struct {
	Email    string
	Password string
	// DeviceToken is what an earlier login on this device answered.
	DeviceToken string
	// ClientIP is the address it came from, which throttling counts.
	ClientIP string
}

// Login checks credentials under throttling and starts a new session. A
// login with a device token the account knows is throttled on that device
// alone (throttle.Device); any other on the account, the address and the
// pair. A successful login answers a device token for the next ones. It
// returns unauthorized for a wrong email or password (the one answer to
// both), rate_limited (with Retry-After) while a counter locks the login,
// and unavailable when too many passwords are being checked at once.
func (s *Service) Login(ctx context.Context, in Credentials) (TokenPair, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email == "" || len(email) > 254 || in.Password == "" || len(in.Password) > 4*auth.MaxPasswordLen {
		return TokenPair{}, errBadCredentials
	}
	cred, err := store.CredentialsByEmail(ctx, s.pool, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return TokenPair{}, err
	}
	found := err == nil
	keys := throttle.Keys(email, in.ClientIP)
	var device []byte
	if found && auth.CheckRefreshTokenShape(in.DeviceToken) == nil {
		h := auth.HashRefreshToken(in.DeviceToken) // device tokens have a refresh token's form
		known, err := store.KnownDevice(ctx, s.pool, cred.UserID, h)
		if err != nil {
			return TokenPair{}, err
		}
		if known {
			device, keys = h, throttle.DeviceKeys(h)
		}
	}
	if locks, err := s.lockedFor(ctx, keys); err != nil {
		return TokenPair{}, err
	} else if len(locks) > 0 {
		return TokenPair{}, rateLimited(locks)
	}
	if !found {
		if err := s.hasher.VerifyDummy(ctx, in.Password); err != nil {
			return TokenPair{}, err
		}
		return TokenPair{}, s.failed(ctx, keys)
	}
	ok, err := s.hasher.Verify(ctx, in.Password, cred.PasswordHash)
	if err != nil {
		return TokenPair{}, err
	}
	if !ok {
		return TokenPair{}, s.failed(ctx, keys)
	}
	var pair TokenPair
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.ClearFailures(ctx, tx, keys[0].Name); err != nil {
			return err
		}
		if auth.NeedsRehash(cred.PasswordHash) {
			if h, err := s.hasher.Hash(ctx, in.Password); err == nil {
				if err := store.SetPasswordHash(ctx, tx, cred.UserID, h); err != nil {
					return err
				}
			}
		}
		if pair, err = s.issue(ctx, tx, cred.UserID, cred.Role, uuid.Nil); err != nil {
			return err
		}
		pair.DeviceToken, err = s.knowDevice(ctx, tx, cred.UserID, in.DeviceToken, device)
		return err
	})
	return pair, err
}

// knowDevice records the device of a successful login: the token it
// presented, when the account knows it, or a new one.
func (s *Service) knowDevice(ctx context.Context, tx pgx.Tx, user uuid.UUID, token string, known []byte) (string, error) {
	if known == nil {
		t, err := auth.NewRefreshToken()
		if err != nil {
			return "", err
		}
		token, known = t.Value, t.Hash
	}
	return token, store.SaveKnownDevice(ctx, tx, user, known, s.now())
}

func (s *Service) lockedFor(ctx context.Context, keys []throttle.Key) ([]lock, error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	states, err := store.ThrottleStates(ctx, s.pool, names)
	if err != nil {
		return nil, err
	}
	var locks []lock
	now := s.now()
	for _, k := range keys {
		if wait := states[k.Name].Locked(now); wait > 0 {
			locks = append(locks, lock{rule: k.Rule, wait: wait})
		}
	}
	return locks, nil
}

// count records one attempt on every key (registrations count them all).
func (s *Service) count(ctx context.Context, keys []throttle.Key) error {
	now := s.now()
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		for _, k := range keys {
			if _, err := store.RecordFailure(ctx, tx, k, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// failed counts a failed login on every key and answers the generic error,
// or rate_limited when this failure earned a lock.
func (s *Service) failed(ctx context.Context, keys []throttle.Key) error {
	return s.failedWith(ctx, keys, errBadCredentials)
}

// failedWith counts a failed password check on every key and answers
// answer, or rate_limited when this failure earned a lock.
func (s *Service) failedWith(ctx context.Context, keys []throttle.Key, answer error) error {
	var locks []lock
	now := s.now()
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		locks = locks[:0]
		for _, k := range keys {
			st, err := store.RecordFailure(ctx, tx, k, now)
			if err != nil {
				return err
			}
			if wait := st.Locked(now); wait > 0 {
				locks = append(locks, lock{rule: k.Rule, wait: wait})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(locks) > 0 {
		return rateLimited(locks)
	}
	return answer
}

// rateLimited is the answer to a login while a counter locks it.
func rateLimited(locks []lock) error {
	secs, limits := rateLimits(locks)
	return &bus.Error{Code: bus.CodeRateLimited, Message: "too many failed logins; try again later", RetryAfter: secs, RateLimits: limits}
}

// Refresh exchanges a refresh token for a new pair. A token that was
// already exchanged is a sign of theft: its whole family is revoked. It
// returns unauthorized for a token that is unknown, expired, revoked or
// reused.
func (s *Service) Refresh(ctx context.Context, token string) (TokenPair, error) {
	if auth.CheckRefreshTokenShape(token) != nil {
		return TokenPair{}, errBadRefresh
	}
	var pair TokenPair
	var reused bool
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := store.LockRefreshToken(ctx, tx, auth.HashRefreshToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return errBadRefresh
		}
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case t.RevokedAt != nil || !now.Before(t.ExpiresAt):
			return errBadRefresh
		case t.RotatedAt != nil:
			reused = true
			// Committed: the family stays revoked.
			if err := store.RevokeFamily(ctx, tx, t.FamilyID, now); err != nil {
				return err
			}
			return s.sessionsRevoked(ctx, tx, t.UserID, t.FamilyID)
		}
		if err := store.MarkRotated(ctx, tx, t.Hash, now); err != nil {
			return err
		}
		pair, err = s.issue(ctx, tx, t.UserID, t.Role, t.FamilyID)
		return err
	})
	if err == nil && reused {
		s.log.Warn("refresh token reused: session revoked", "request_id", bus.RequestID(ctx))
		return TokenPair{}, errBadRefresh
	}
	return pair, err
}

// Logout revokes the session (family) of a refresh token. Unknown tokens
// are ignored, so logout is idempotent: it returns no error of the
// caller's.
func (s *Service) Logout(ctx context.Context, token string) error {
	if auth.CheckRefreshTokenShape(token) != nil {
		return nil
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := store.LockRefreshToken(ctx, tx, auth.HashRefreshToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := store.RevokeFamily(ctx, tx, t.FamilyID, s.now()); err != nil {
			return err
		}
		return s.sessionsRevoked(ctx, tx, t.UserID, t.FamilyID)
	})
}

// sessionsRevoked publishes, through the outbox, that sessions ended: their
// access tokens are refused from now on, not only once they expire.
func (s *Service) sessionsRevoked(ctx context.Context, tx pgx.Tx, user uuid.UUID, sessions ...uuid.UUID) error {
	if len(sessions) == 0 {
		return nil
	}
	ids := make([]string, len(sessions))
	for i, id := range sessions {
		ids[i] = id.String()
	}
	_, err := bus.Enqueue(ctx, tx, api.Module, api.EventSessionRevoked, api.SessionRevoked{UserID: user.String(), SessionIDs: ids,
		RevokedAt: s.now()})
	return err
}

// ChangePasswordInput changes a password.
type ChangePasswordInput struct {
	UserID          uuid.UUID `json:"user_id"`
	SessionID       uuid.UUID `json:"session_id"`
	CurrentPassword string    `json:"current_password"`
	NewPassword     string    `json:"new_password"`
}

// ChangePassword checks the current password, sets the new one and revokes
// every other session of the user. It returns unauthorized when the
// account no longer exists, invalid naming body.current_password (not
// the current one) or body.new_password (the same, or too weak), and
// unavailable when too many passwords are being hashed at once.
func (s *Service) ChangePassword(ctx context.Context, in ChangePasswordInput) error {
	cred, err := store.CredentialsByID(ctx, s.pool, in.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return &bus.Error{Code: bus.CodeUnauthorized, Message: "the account no longer exists"}
	}
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, in.CurrentPassword, cred.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return bus.Invalid("body.current_password", "is not the current password")
	}
	if in.NewPassword == in.CurrentPassword {
		return bus.Invalid("body.new_password", "must differ from the current password")
	}
	if err := s.hasher.CheckPassword(ctx, in.NewPassword); errors.Is(err, auth.ErrWeakPassword) {
		return bus.Invalid("body.new_password", err.Error())
	} else if err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, in.NewPassword)
	if err != nil {
		return err
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.SetPasswordHash(ctx, tx, in.UserID, hash); err != nil {
			return err
		}
		revoked, err := store.RevokeUserFamilies(ctx, tx, in.UserID, in.SessionID, s.now())
		if err != nil {
			return err
		}
		return s.sessionsRevoked(ctx, tx, in.UserID, revoked...)
	})
}

// Promote gives the admin role to the account with email; invalid
// (body.email) for a malformed address, not_found when there is none.
func (s *Service) Promote(ctx context.Context, email string) (uuid.UUID, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := store.SetRole(ctx, s.pool, email, api.RoleAdmin)
	if errors.Is(err, store.ErrNotFound) {
		return id, &bus.Error{Code: bus.CodeNotFound, Message: "no account with this email"}
	}
	return id, err
}

func displayName(first, last string) string {
	return strings.TrimSpace(first + " " + last)
}
