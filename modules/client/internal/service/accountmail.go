package service

import (
	"context"
	"errors"
	"net"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/mail"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/modules/client/internal/throttle"
	"github.com/athlos/athlos/storage"
)

// MailSettings are what the account mails need: the links' base and
// lives, and what to call once a transaction that enqueued mail
// committed.
type MailSettings struct {
	// LinkBase is the base of the links (no trailing slash): they are
	// <LinkBase>/reset-password?token=T and <LinkBase>/verify-email?token=T.
	LinkBase string
	// ResetTTL is how long a password-reset link works; VerifyTTL an email
	// verification or change link.
	ResetTTL, VerifyTTL time.Duration
	// Wake tells the mail outbox's worker there is mail (nil: nothing).
	Wake func()
}

func defaultMailSettings() MailSettings {
	return MailSettings{LinkBase: "http://localhost:8080", ResetTTL: 30 * time.Minute, VerifyTTL: 48 * time.Hour}
}

// SetMail sets the account mails' settings. Call it before serving.
func (s *Service) SetMail(m MailSettings) { s.mail = m }

func (s *Service) wakeMail() {
	if s.mail.Wake != nil {
		s.mail.Wake()
	}
}

// errBadLink is the one answer to a link's token that is unknown, expired,
// already used or made void.
var errBadLink = bus.Invalid("body.token", "is unknown, expired or already used")

func badTokenShape(token string) error {
	if auth.CheckRefreshTokenShape(token) != nil {
		return bus.Invalid("body.token", "is not a token of a link we sent (43 characters of base64url)")
	}
	return nil
}

// link is the URL of a mailed link to path with token.
func (s *Service) link(path, token string) string {
	return s.mail.LinkBase + path + "?token=" + url.QueryEscape(token)
}

// newLink stores a new single-use token of user for purpose and email,
// living ttl, and returns its link to path.
func (s *Service) newLink(ctx context.Context, tx pgx.Tx, user uuid.UUID, purpose, email, path string, ttl time.Duration) (string, error) {
	t, err := auth.NewRefreshToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	if err := store.InsertEmailToken(ctx, tx, store.EmailToken{Hash: t.Hash, UserID: user, Purpose: purpose, Email: email,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return "", err
	}
	return s.link(path, t.Value), nil
}

// enqueueMail renders the message name in lang with data and puts it in
// the mail outbox for to, in tx.
func enqueueMail(ctx context.Context, tx pgx.Tx, name, lang, to string, data map[string]any) error {
	m, err := mail.Render(name, lang, data)
	if err != nil {
		return err
	}
	m.To = to
	_, err = mail.Enqueue(ctx, tx, m)
	return err
}

// sendVerification mails a link that verifies email, the address of
// user, in tx.
func (s *Service) sendVerification(ctx context.Context, tx pgx.Tx, user uuid.UUID, email, firstName, lang string) error {
	link, err := s.newLink(ctx, tx, user, store.PurposeVerifyEmail, email, "/verify-email", s.mail.VerifyTTL)
	if err != nil {
		return err
	}
	return enqueueMail(ctx, tx, "verify_email", lang, email, map[string]any{"Name": firstName, "Email": email, "Link": link,
		"ValidHours": int(s.mail.VerifyTTL.Round(time.Hour) / time.Hour)})
}

// countedIP is ip when throttling counts it: not loopback (a proxy or a
// tool on the machine, whose clients all share its address), as for
// registrations.
func countedIP(ip string) string {
	if p := net.ParseIP(ip); p != nil && !p.IsLoopback() {
		return ip
	}
	return ""
}

// RequestPasswordReset asks for a password-reset link for email. Whether
// or not an account has the address, it does the same work (checks and
// counts the throttling counters, records the request) and answers the
// same: the account is looked up afterwards, by ProcessResetRequests,
// which mails the link to a real account only. It returns invalid
// (body.email) for a malformed address and rate_limited (with
// Retry-After) past throttle.ResetAccount or throttle.ResetAddress.
func (s *Service) RequestPasswordReset(ctx context.Context, email, clientIP string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	keys := throttle.ResetKeys(email, countedIP(clientIP))
	if locks, err := s.lockedFor(ctx, keys); err != nil {
		return err
	} else if len(locks) > 0 {
		secs, limits := rateLimits(locks)
		return &bus.Error{Code: bus.CodeRateLimited, Message: "too many password resets asked; try again later",
			RetryAfter: secs, RateLimits: limits}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	now := s.now()
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		for _, k := range keys {
			if _, err := store.RecordFailure(ctx, tx, k, now); err != nil {
				return err
			}
		}
		return store.InsertResetRequest(ctx, tx, store.ResetRequest{ID: id, Email: email, RequestedAt: now})
	})
	if err != nil {
		return err
	}
	select {
	case s.resetWake <- struct{}{}:
	default:
	}
	return nil
}

// resetBatch is how many reset requests one transaction takes.
const resetBatch = 100

// ProcessResetRequests takes the recorded password-reset requests, oldest
// first, and mails a link to each address that is an account's (in the
// account's language); requests for other addresses, or older than a
// link's life, end there. It returns how many it took.
func (s *Service) ProcessResetRequests(ctx context.Context) (int, error) {
	var n int
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		reqs, err := store.TakeResetRequests(ctx, tx, resetBatch)
		if err != nil {
			return err
		}
		n = len(reqs)
		now := s.now()
		for _, r := range reqs {
			if now.Sub(r.RequestedAt) > s.mail.ResetTTL {
				continue
			}
			u, err := store.UserByEmail(ctx, tx, r.Email)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			link, err := s.newLink(ctx, tx, u.ID, store.PurposePasswordReset, u.Email, "/reset-password", s.mail.ResetTTL)
			if err != nil {
				return err
			}
			if err := enqueueMail(ctx, tx, "password_reset", u.Language, u.Email, map[string]any{"Name": u.FirstName,
				"Email": u.Email, "Link": link, "ValidMinutes": int(s.mail.ResetTTL.Round(time.Minute) / time.Minute)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.wakeMail()
	}
	return n, nil
}

// RunResetRequests runs ProcessResetRequests while ctx lasts: at once
// after a request this process took, and every poll for those other
// processes took.
func (s *Service) RunResetRequests(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for {
			n, err := s.ProcessResetRequests(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("password reset requests", "err", err)
				}
				break
			}
			if n < resetBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.resetWake:
		}
	}
}

// usable reports whether t is a token for one of purposes that works at
// now.
func usable(t store.EmailToken, now time.Time, purposes ...string) bool {
	if t.UsedAt != nil || !now.Before(t.ExpiresAt) {
		return false
	}
	for _, p := range purposes {
		if t.Purpose == p {
			return true
		}
	}
	return false
}

// ConfirmPasswordReset sets a new password with a reset link's token:
// under the registration's policy, and it ends every session of the
// account (evt.client.session.revoked), voids the account's other reset
// links, clears the account's login lock and marks the address verified
// (the link proved it is read). It returns invalid naming body.token (not
// a token's shape; or unknown, expired or already used: one answer) or
// body.password (too weak), and unavailable when too many passwords are
// being hashed at once.
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, password string) error {
	if err := badTokenShape(token); err != nil {
		return err
	}
	hash := auth.HashRefreshToken(token)
	var u store.UserRow
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := store.LockEmailToken(ctx, tx, hash)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !usable(t, s.now(), store.PurposePasswordReset)) {
			return errBadLink
		}
		if err != nil {
			return err
		}
		u, err = store.User(ctx, tx, t.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return errBadLink
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := s.hasher.CheckPassword(ctx, password, u.Email, u.FirstName, u.LastName); errors.Is(err, auth.ErrWeakPassword) {
		return bus.Invalid("body.password", err.Error())
	} else if err != nil {
		return err
	}
	pwHash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// Again under the lock: the same link used twice at once works
		// once.
		t, err := store.LockEmailToken(ctx, tx, hash)
		now := s.now()
		if errors.Is(err, store.ErrNotFound) || (err == nil && !usable(t, now, store.PurposePasswordReset)) {
			return errBadLink
		}
		if err != nil {
			return err
		}
		if err := store.SetPasswordHash(ctx, tx, t.UserID, pwHash); err != nil {
			return err
		}
		if err := store.VoidEmailTokens(ctx, tx, t.UserID, store.PurposePasswordReset, now); err != nil {
			return err
		}
		if _, err := store.SetEmailVerified(ctx, tx, t.UserID, t.Email, now); err != nil {
			return err
		}
		if err := store.ClearFailures(ctx, tx, throttle.AccountKey(t.Email).Name); err != nil {
			return err
		}
		revoked, err := store.RevokeUserFamilies(ctx, tx, t.UserID, uuid.Nil, now)
		if err != nil {
			return err
		}
		return s.sessionsRevoked(ctx, tx, t.UserID, revoked...)
	})
}

// VerifyEmail uses an email link's token: a verification link marks the
// address verified (if it is still the account's); an email change's link
// gives the account its new address, verified, voids the older links, and
// tells the old address. It returns the address verified, invalid naming
// body.token (not a token's shape; or unknown, expired or already used:
// one answer), and conflict when another account took the new address in
// the meantime.
func (s *Service) VerifyEmail(ctx context.Context, token string) (string, error) {
	if err := badTokenShape(token); err != nil {
		return "", err
	}
	var email string
	var mailed bool
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := store.LockEmailToken(ctx, tx, auth.HashRefreshToken(token))
		now := s.now()
		if errors.Is(err, store.ErrNotFound) || (err == nil && !usable(t, now, store.PurposeVerifyEmail, store.PurposeChangeEmail)) {
			return errBadLink
		}
		if err != nil {
			return err
		}
		email = t.Email
		if t.Purpose == store.PurposeVerifyEmail {
			ok, err := store.SetEmailVerified(ctx, tx, t.UserID, t.Email, now)
			if err != nil {
				return err
			}
			if !ok {
				return errBadLink // the account has another address now
			}
			return store.VoidEmailTokens(ctx, tx, t.UserID, store.PurposeVerifyEmail, now)
		}
		u, err := store.LockUser(ctx, tx, t.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return errBadLink
		}
		if err != nil {
			return err
		}
		if err := store.ChangeEmail(ctx, tx, u.ID, t.Email, now); errors.Is(err, store.ErrDuplicateEmail) {
			return &bus.Error{Code: bus.CodeConflict, Message: "another account has this address now",
				Fields: []bus.FieldError{{Field: "body.token", Reason: "its address is now another account's"}}}
		} else if err != nil {
			return err
		}
		// Links to the old address, and other changes, are void.
		for _, p := range []string{store.PurposeChangeEmail, store.PurposeVerifyEmail, store.PurposePasswordReset} {
			if err := store.VoidEmailTokens(ctx, tx, u.ID, p, now); err != nil {
				return err
			}
		}
		mailed = true
		return enqueueMail(ctx, tx, "email_changed", u.Language, u.Email, map[string]any{"Name": u.FirstName, "Email": t.Email})
	})
	if err != nil {
		return "", err
	}
	if mailed {
		s.wakeMail()
	}
	return email, nil
}

// ResendVerification mails a new verification link to the caller's
// address (the older ones keep working). It returns not_found when the
// account does not exist (any more), conflict when the address is
// verified already, and rate_limited (with Retry-After) past
// throttle.Resend.
func (s *Service) ResendVerification(ctx context.Context, user uuid.UUID) error {
	u, err := store.User(ctx, s.pool, user)
	if errors.Is(err, store.ErrNotFound) {
		return errNoAccount
	}
	if err != nil {
		return err
	}
	if u.EmailVerifiedAt != nil {
		return &bus.Error{Code: bus.CodeConflict, Message: "the email address is verified already"}
	}
	key := []throttle.Key{throttle.ResendKey(user.String())}
	if locks, err := s.lockedFor(ctx, key); err != nil {
		return err
	} else if len(locks) > 0 {
		secs, limits := rateLimits(locks)
		return &bus.Error{Code: bus.CodeRateLimited, Message: "too many verification mails asked; try again later",
			RetryAfter: secs, RateLimits: limits}
	}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := store.RecordFailure(ctx, tx, key[0], s.now()); err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, u.ID, u.Email, u.FirstName, u.Language)
	})
	if err == nil {
		s.wakeMail()
	}
	return err
}

// requestEmailChange mails a confirmation link to newEmail, the address
// u asks for, in tx (older change links are void). It returns invalid
// (body.email) for a malformed address and conflict when another account
// has it; nothing when it is u's address already.
func (s *Service) requestEmailChange(ctx context.Context, tx pgx.Tx, u store.UserRow, newEmail string) (bool, error) {
	email, err := NormalizeEmail(newEmail)
	if err != nil {
		return false, err
	}
	if email == u.Email {
		return false, store.VoidEmailTokens(ctx, tx, u.ID, store.PurposeChangeEmail, s.now())
	}
	if taken, err := store.EmailTaken(ctx, tx, email); err != nil {
		return false, err
	} else if taken {
		return false, &bus.Error{Code: bus.CodeConflict, Message: "an account with this email already exists",
			Fields: []bus.FieldError{{Field: "body.email", Reason: "is already registered"}}}
	}
	if err := store.VoidEmailTokens(ctx, tx, u.ID, store.PurposeChangeEmail, s.now()); err != nil {
		return false, err
	}
	link, err := s.newLink(ctx, tx, u.ID, store.PurposeChangeEmail, email, "/verify-email", s.mail.VerifyTTL)
	if err != nil {
		return false, err
	}
	return true, enqueueMail(ctx, tx, "email_change", u.Language, email, map[string]any{"Name": u.FirstName, "Email": email,
		"Link": link, "ValidHours": int(s.mail.VerifyTTL.Round(time.Hour) / time.Hour)})
}
