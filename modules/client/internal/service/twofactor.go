package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage"
)

// ChallengeTTL is how long a login challenge waits for its second factor.
const ChallengeTTL = 5 * time.Minute

// MaxChallengeFailures is how many wrong codes a challenge takes: then it
// is void, and the login starts again with the password.
const MaxChallengeFailures = 5

var (
	// errBadChallenge answers a challenge that is unknown, expired, spent
	// or void.
	errBadChallenge = &bus.Error{Code: bus.CodeUnauthorized,
		Message: "unknown or expired login challenge: sign in with the password again"}
	// errBadCode answers a wrong second factor at login.
	errBadCode = &bus.Error{Code: bus.CodeUnauthorized, Message: "invalid code"}
	// errWrongCode is a wrong code inside a transaction (rolled back, then
	// counted).
	errWrongCode = errors.New("wrong second factor")
	// errTwoFactorOff answers a change that needs two-factor sign-in on.
	errTwoFactorOff = &bus.Error{Code: bus.CodeConflict, Message: "two-factor sign-in is not on"}
)

// sealAAD binds a sealed TOTP secret to its user.
func sealAAD(user uuid.UUID) string { return "totp:" + user.String() }

// TwoFactorStatus is the caller's two-factor sign-in: on or not, an
// enrolment waiting, recovery codes left.
func (s *Service) TwoFactorStatus(ctx context.Context, user uuid.UUID) (api.TwoFactorStatus, error) {
	st := api.TwoFactorStatus{Methods: []string{}}
	tf, err := store.TwoFactorOf(ctx, s.pool, user)
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if tf.EnabledAt == nil {
		st.Pending = true
		return st, nil
	}
	st.Enabled, st.EnabledAt, st.Methods = true, tf.EnabledAt, []string{api.MethodTOTP, api.MethodRecoveryCode}
	st.RecoveryCodesLeft, err = store.RecoveryCodesLeft(ctx, s.pool, user)
	return st, err
}

// StartTOTP starts (or starts again) an enrolment: a new secret for the
// caller's authenticator app, kept sealed and not used at login until
// ConfirmTOTP. It returns conflict when two-factor sign-in is on already
// (turn it off first), unauthorized when the account no longer exists.
func (s *Service) StartTOTP(ctx context.Context, user uuid.UUID) (api.TOTPEnrolment, error) {
	u, err := store.User(ctx, s.pool, user)
	if errors.Is(err, store.ErrNotFound) {
		return api.TOTPEnrolment{}, errAccountGone
	}
	if err != nil {
		return api.TOTPEnrolment{}, err
	}
	key, err := auth.NewTOTPKey(u.Email)
	if err != nil {
		return api.TOTPEnrolment{}, err
	}
	sealed, err := s.sealer.Seal([]byte(key.Secret), sealAAD(user))
	if err != nil {
		return api.TOTPEnrolment{}, err
	}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return store.StartTwoFactor(ctx, tx, user, sealed, s.tfNow())
	})
	if errors.Is(err, store.ErrConflict) {
		return api.TOTPEnrolment{}, &bus.Error{Code: bus.CodeConflict, Message: "two-factor sign-in is on already: turn it off first"}
	}
	if err != nil {
		return api.TOTPEnrolment{}, err
	}
	return api.TOTPEnrolment{Secret: key.Secret, OTPAuthURI: key.URI, Issuer: auth.TOTPIssuer, Account: u.Email,
		Algorithm: "SHA1", Digits: auth.TOTPDigits, PeriodS: int(auth.TOTPPeriod / time.Second)}, nil
}

// errAccountGone answers a caller whose account was deleted.
var errAccountGone = &bus.Error{Code: bus.CodeUnauthorized, Message: "the account no longer exists"}

// ConfirmTOTP turns two-factor sign-in on with the first code of the
// enrolment's secret (spent: it will not sign in) and the account's
// password (so that a stolen access token alone cannot lock the owner
// out), and answers the recovery codes, shown only now. It returns
// invalid (body.password, body.code) for a wrong one, rate_limited while
// the second factor's counters lock (wrong passwords count there),
// and conflict when no enrolment waits (none started, or on already).
func (s *Service) ConfirmTOTP(ctx context.Context, user uuid.UUID, p Proof) (api.RecoveryCodes, error) {
	code := p.Code
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return api.RecoveryCodes{}, err
	}
	now := s.tfNow()
	keys := throttle.SecondFactorKeys(user.String(), p.ClientIP)
	if locks, err := s.lockedAt(ctx, keys, now); err != nil {
		return api.RecoveryCodes{}, err
	} else if len(locks) > 0 {
		return api.RecoveryCodes{}, tooManyCodes(locks)
	}
	if err := s.passwordProven(ctx, user, p.Password, keys, now); err != nil {
		return api.RecoveryCodes{}, err
	}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tf, err := store.LockTwoFactor(ctx, tx, user)
		if errors.Is(err, store.ErrNotFound) {
			return &bus.Error{Code: bus.CodeConflict, Message: "no enrolment waits: start one with POST /v1/me/2fa/totp"}
		}
		if err != nil {
			return err
		}
		if tf.EnabledAt != nil {
			return &bus.Error{Code: bus.CodeConflict, Message: "two-factor sign-in is on already"}
		}
		step, ok, err := s.verifyTOTP(tf, code, now)
		if err != nil {
			return err
		}
		if !ok {
			return bus.Invalid("body.code", "is not the authenticator app's current code for the new secret")
		}
		if err := store.EnableTwoFactor(ctx, tx, user, step, now); err != nil {
			return err
		}
		if err := tellTwoFactor(ctx, tx, user, true); err != nil {
			return err
		}
		return store.ReplaceRecoveryCodes(ctx, tx, user, hashes)
	})
	if err != nil {
		return api.RecoveryCodes{}, err
	}
	return api.RecoveryCodes{RecoveryCodes: codes, EnabledAt: now}, nil
}

func newRecoveryCodes() ([]string, [][]byte, error) {
	codes, err := auth.NewRecoveryCodes()
	if err != nil {
		return nil, nil, err
	}
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		n, _ := auth.NormalizeRecoveryCode(c)
		hashes[i] = auth.HashRecoveryCode(n)
	}
	return codes, hashes, nil
}

// checkCode checks a second factor of user inside tx, whose TOTP row tf
// is locked: a TOTP code of a step later than the last accepted (which it
// then becomes), or an unused recovery code (then spent). It returns
// errWrongCode for anything else.
func (s *Service) checkCode(ctx context.Context, tx pgx.Tx, tf store.TwoFactor, code string, now time.Time) error {
	if auth.IsTOTPCode(code) {
		step, ok, err := s.verifyTOTP(tf, code, now)
		if err != nil {
			return err
		}
		if !ok {
			return errWrongCode
		}
		return store.SpendStep(ctx, tx, tf.UserID, step)
	}
	n, ok := auth.NormalizeRecoveryCode(code)
	if !ok {
		return errWrongCode
	}
	used, err := store.UseRecoveryCode(ctx, tx, tf.UserID, auth.HashRecoveryCode(n))
	if err != nil {
		return err
	}
	if !used {
		return errWrongCode
	}
	return nil
}

// verifyTOTP checks code against tf's secret at now (auth.VerifyTOTP). A
// secret that the secret key does not open (a lost secret key, replaced)
// accepts no code; recovery codes still work (docs/operations.md).
func (s *Service) verifyTOTP(tf store.TwoFactor, code string, now time.Time) (int64, bool, error) {
	secret, err := s.sealer.Open(tf.SealedSecret, sealAAD(tf.UserID))
	if errors.Is(err, auth.ErrUnseal) {
		s.log.Warn("a TOTP secret does not open with the secret key: only recovery codes work for this account",
			"user_id", tf.UserID)
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return auth.VerifyTOTP(string(secret), code, now, tf.LastStep)
}

// Proof is the password and a second factor of the caller, which turning
// two-factor sign-in off and making new recovery codes ask for.
type Proof struct {
	Password string
	Code     string
	// ClientIP is the address it came from, which throttling counts.
	ClientIP string
}

// DisableTwoFactor turns two-factor sign-in off (secret, recovery codes
// and waiting login challenges go), with the password and a code or an
// unused recovery code. Errors as proven's.
func (s *Service) DisableTwoFactor(ctx context.Context, user uuid.UUID, p Proof) error {
	return s.proven(ctx, user, p, func(tx pgx.Tx) error {
		if err := store.DisableTwoFactor(ctx, tx, user); err != nil {
			return err
		}
		return tellTwoFactor(ctx, tx, user, false)
	})
}

// RenewRecoveryCodes makes new recovery codes, the old ones void, with the
// password and a code (or an unused recovery code, spent). Errors as
// proven's.
func (s *Service) RenewRecoveryCodes(ctx context.Context, user uuid.UUID, p Proof) (api.RecoveryCodes, error) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return api.RecoveryCodes{}, err
	}
	var enabledAt time.Time
	err = s.proven(ctx, user, p, func(tx pgx.Tx) error {
		tf, err := store.TwoFactorOf(ctx, tx, user)
		if err != nil {
			return err
		}
		enabledAt = *tf.EnabledAt
		return store.ReplaceRecoveryCodes(ctx, tx, user, hashes)
	})
	if err != nil {
		return api.RecoveryCodes{}, err
	}
	return api.RecoveryCodes{RecoveryCodes: codes, EnabledAt: enabledAt}, nil
}

// proven runs change in the transaction that checks the caller's password
// and second factor, when both are right. Failures are counted as the
// second factor's at login (throttle.SecondFactorKeys). It returns
// rate_limited (with Retry-After) while a counter locks, unauthorized when
// the account no longer exists, conflict when two-factor sign-in is off,
// invalid naming body.password or body.code when one is wrong, and
// unavailable when too many passwords are being checked at once.
func (s *Service) proven(ctx context.Context, user uuid.UUID, p Proof, change func(pgx.Tx) error) error {
	now := s.tfNow()
	keys := throttle.SecondFactorKeys(user.String(), p.ClientIP)
	if locks, err := s.lockedAt(ctx, keys, now); err != nil {
		return err
	} else if len(locks) > 0 {
		return tooManyCodes(locks)
	}
	on, err := store.TwoFactorOn(ctx, s.pool, user)
	if err != nil {
		return err
	}
	if !on {
		return errTwoFactorOff
	}
	if err := s.passwordProven(ctx, user, p.Password, keys, now); err != nil {
		return err
	}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tf, err := store.LockTwoFactor(ctx, tx, user)
		if errors.Is(err, store.ErrNotFound) || err == nil && tf.EnabledAt == nil {
			return errTwoFactorOff
		}
		if err != nil {
			return err
		}
		if err := s.checkCode(ctx, tx, tf, p.Code, now); err != nil {
			return err
		}
		if err := store.ClearFailures(ctx, tx, keys[0].Name); err != nil {
			return err
		}
		return change(tx)
	})
	if errors.Is(err, errWrongCode) {
		return s.proofFailed(ctx, keys, now, bus.Invalid("body.code", "is neither the authenticator app's current code nor an unused recovery code"))
	}
	return err
}

// passwordProven checks the caller's password, a wrong one counted on
// the second factor's counters (keys, at now): unauthorized when the
// account no longer exists, invalid (body.password) when it is wrong,
// rate_limited when that failure earned a lock.
func (s *Service) passwordProven(ctx context.Context, user uuid.UUID, password string, keys []throttle.Key, now time.Time) error {
	cred, err := store.CredentialsByID(ctx, s.pool, user)
	if errors.Is(err, store.ErrNotFound) {
		return errAccountGone
	}
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, password, cred.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return s.proofFailed(ctx, keys, now, bus.Invalid("body.password", "is not the account's password"))
	}
	return nil
}

// proofFailed counts a wrong password or code of proven and answers
// answer, or rate_limited when this failure earned a lock.
func (s *Service) proofFailed(ctx context.Context, keys []throttle.Key, now time.Time, answer error) error {
	locks, err := s.recordFailures(ctx, keys, now, nil)
	if err != nil {
		return err
	}
	if len(locks) > 0 {
		return tooManyCodes(locks)
	}
	return answer
}

// tooManyCodes is the answer while a second factor's counter locks.
func tooManyCodes(locks []lock) error {
	secs, limits := rateLimits(locks)
	return &bus.Error{Code: bus.CodeRateLimited, Message: "too many wrong codes; try again later", RetryAfter: secs, RateLimits: limits}
}

// deletionSecondFactor checks, in the transaction that deletes the
// account of user, its second factor when two-factor sign-in is on (the
// TOTP row locked): rate_limited while the second factor's counters
// (keys, at now) lock, invalid (body.code) without a code, errWrongCode
// for a wrong one. With it off, code is ignored.
func (s *Service) deletionSecondFactor(ctx context.Context, tx pgx.Tx, user uuid.UUID, code string, keys []throttle.Key, now time.Time) error {
	tf, err := store.LockTwoFactor(ctx, tx, user)
	if errors.Is(err, store.ErrNotFound) || err == nil && tf.EnabledAt == nil {
		return nil
	}
	if err != nil {
		return err
	}
	if locks, err := s.lockedAt(ctx, keys, now); err != nil {
		return err
	} else if len(locks) > 0 {
		return tooManyCodes(locks)
	}
	if code == "" {
		return bus.Invalid("body.code", "is needed: two-factor sign-in is on (a code of the authenticator app or a recovery code)")
	}
	return s.checkCode(ctx, tx, tf, code, now)
}

// newChallenge stores a login challenge for user (device: the hash of the
// known device token the password step presented, or nil) and returns
// its token.
func (s *Service) newChallenge(ctx context.Context, tx pgx.Tx, user uuid.UUID, device []byte) (string, error) {
	t, err := auth.NewRefreshToken() // 256 random bits, stored hashed, as a refresh token
	if err != nil {
		return "", err
	}
	now := s.tfNow()
	return t.Value, store.InsertChallenge(ctx, tx, t.Hash, store.Challenge{UserID: user, DeviceHash: device,
		ExpiresAt: now.Add(ChallengeTTL)}, now)
}

// secondFactorRequired is a login's answer when the password was right and
// a second factor is needed.
func secondFactorRequired(challenge string) error {
	details, _ := json.Marshal(api.SecondFactorChallenge{Challenge: challenge, ExpiresIn: int(ChallengeTTL / time.Second),
		Methods: []string{api.MethodTOTP, api.MethodRecoveryCode}})
	return &bus.Error{Code: bus.CodeSecondFactorRequired, Message: "the password is right; a second factor is needed", Details: details}
}

// SecondFactorLogin completes a login with a second factor.
type SecondFactorLogin struct {
	Challenge string
	Code      string
	// DeviceToken is what the login sent, if anything.
	DeviceToken string
	// ClientIP is the address it came from, which throttling counts.
	ClientIP string
}

// LoginSecondFactor completes a login whose password was right: with the
// challenge it answered and a TOTP code (of a step after the last one
// accepted, one step of skew each way) or an unused recovery code, it
// spends the challenge and starts a session. Wrong codes are throttled
// (throttle.SecondFactorKeys, or the device's when the password step
// presented a device token the account knows), and a challenge takes
// MaxChallengeFailures of them. It returns unauthorized for a challenge
// that is unknown, expired, spent or void, or a wrong code, and
// rate_limited (with Retry-After) while a counter locks.
func (s *Service) LoginSecondFactor(ctx context.Context, in SecondFactorLogin) (TokenPair, error) {
	now := s.tfNow()
	if auth.CheckRefreshTokenShape(in.Challenge) != nil {
		return TokenPair{}, s.noChallenge(ctx, in.ClientIP, now)
	}
	hash := auth.HashRefreshToken(in.Challenge)
	c, err := store.ChallengeOf(ctx, s.pool, hash)
	if errors.Is(err, store.ErrNotFound) {
		return TokenPair{}, s.noChallenge(ctx, in.ClientIP, now)
	}
	if err != nil {
		return TokenPair{}, err
	}
	if !now.Before(c.ExpiresAt) {
		if err := store.DeleteChallenge(ctx, s.pool, hash); err != nil {
			return TokenPair{}, err
		}
		return TokenPair{}, errBadChallenge
	}
	keys := throttle.SecondFactorKeys(c.UserID.String(), in.ClientIP)
	if c.DeviceHash != nil {
		keys = throttle.SecondFactorDeviceKeys(c.DeviceHash)
	}
	if locks, err := s.lockedAt(ctx, keys, now); err != nil {
		return TokenPair{}, err
	} else if len(locks) > 0 {
		return TokenPair{}, tooManyCodes(locks)
	}
	var pair TokenPair
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := store.LockChallenge(ctx, tx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return errBadChallenge // spent meanwhile
		}
		if err != nil {
			return err
		}
		tf, err := store.LockTwoFactor(ctx, tx, c.UserID)
		if errors.Is(err, store.ErrNotFound) || err == nil && tf.EnabledAt == nil {
			return errBadChallenge // turned off meanwhile
		}
		if err != nil {
			return err
		}
		if err := s.checkCode(ctx, tx, tf, in.Code, now); err != nil {
			return err
		}
		if err := store.DeleteChallenge(ctx, tx, hash); err != nil {
			return err
		}
		if err := store.ClearFailures(ctx, tx, keys[0].Name); err != nil {
			return err
		}
		cred, err := store.CredentialsByID(ctx, tx, c.UserID)
		if err != nil {
			return err
		}
		if pair, err = s.issue(ctx, tx, c.UserID, cred.Role, uuid.Nil); err != nil {
			return err
		}
		var device []byte
		if c.DeviceHash != nil && auth.CheckRefreshTokenShape(in.DeviceToken) == nil &&
			bytes.Equal(auth.HashRefreshToken(in.DeviceToken), c.DeviceHash) {
			device = c.DeviceHash
		}
		pair.DeviceToken, err = s.knowDevice(ctx, tx, c.UserID, in.DeviceToken, device)
		return err
	})
	if !errors.Is(err, errWrongCode) {
		return pair, err
	}
	locks, err := s.recordFailures(ctx, keys, now, func(tx pgx.Tx) error {
		return store.ChallengeFailed(ctx, tx, hash, MaxChallengeFailures)
	})
	if err != nil {
		return TokenPair{}, err
	}
	if len(locks) > 0 {
		return TokenPair{}, tooManyCodes(locks)
	}
	return TokenPair{}, errBadCode
}

// noChallenge counts a challenge that does not exist on the address (no
// account to count it on) and answers errBadChallenge, or rate_limited.
func (s *Service) noChallenge(ctx context.Context, ip string, now time.Time) error {
	locks, err := s.recordFailures(ctx, throttle.SecondFactorAddressKeys(ip), now, nil)
	if err != nil {
		return err
	}
	if len(locks) > 0 {
		return tooManyCodes(locks)
	}
	return errBadChallenge
}

// ResetTwoFactor turns two-factor sign-in off for the account with email,
// for an operator (`athlos admin disable-2fa`) once the owner, who lost
// both the authenticator and the recovery codes, has been identified
// otherwise; or after the secret key was lost, when no sealed secret opens.
// It returns invalid (body.email) for a malformed address, not_found when
// there is no such account, conflict when two-factor sign-in is off.
func (s *Service) ResetTwoFactor(ctx context.Context, email string) (uuid.UUID, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return uuid.Nil, err
	}
	cred, err := store.CredentialsByEmail(ctx, s.pool, email)
	if errors.Is(err, store.ErrNotFound) {
		return uuid.Nil, &bus.Error{Code: bus.CodeNotFound, Message: "no account with this email"}
	}
	if err != nil {
		return uuid.Nil, err
	}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := store.LockTwoFactor(ctx, tx, cred.UserID); errors.Is(err, store.ErrNotFound) {
			return errTwoFactorOff
		} else if err != nil {
			return err
		}
		if err := store.DisableTwoFactor(ctx, tx, cred.UserID); err != nil {
			return err
		}
		return tellTwoFactor(ctx, tx, cred.UserID, false)
	})
	return cred.UserID, err
}

// tellTwoFactor mails user, in tx, that two-factor sign-in was turned on
// or off (a change they did not make is the sign of a stolen session).
func tellTwoFactor(ctx context.Context, tx pgx.Tx, user uuid.UUID, on bool) error {
	u, err := store.User(ctx, tx, user)
	if err != nil {
		return err
	}
	return enqueueMail(ctx, tx, "two_factor_changed", u.Language, u.Email, map[string]any{"Name": u.FirstName, "On": on})
}
