// Package throttle decides when failed logins earn a temporary lock. It
// keeps three counters per attempt, so that an attacker can slow guessing
// without being able to lock a real user out for long:
//
//   - per account and client IP: 5 failures in 15 minutes lock that pair,
//     1 minute at first, doubling with every further failure, at most 15
//     minutes. Guessing one account from one address stops; the owner,
//     from any other address, is not affected.
//   - per client IP: 30 failures in 15 minutes lock the address for 15
//     minutes (one address trying many accounts).
//   - per account from any address: 20 failures in 15 minutes lock the
//     account for 1 minute, doubling, at most 5 minutes (guessing from many
//     addresses). This is the only lock a stranger can put on someone
//     else's account, and it never lasts more than 5 minutes.
//
// These apply to devices the account does not know. A login that presents
// a device token of the account (answered by an earlier login on that
// device) is counted on that device alone (Device), so that strangers,
// who can put the account on hold for unknown devices for a few minutes,
// never lock the owner out of a device it has used (OWASP's device
// cookies; NIST SP 800-63B 5.2.2 asks for rate limits that an attacker
// cannot turn against the owner).
//
// A successful login clears the account-and-IP counter (or the device's).
// The package has no SQL in it; the store keeps a State per key.
package throttle

import (
	"fmt"
	"time"
)

// Rule is the policy of one kind of counter.
type Rule struct {
	// Policy names the rule where clients see it (the RateLimit-Policy
	// header of a refusal).
	Policy string
	// Threshold failures within Window earn a lock.
	Threshold int
	Window    time.Duration
	// FirstLock is the first lock; each failure past the threshold doubles
	// it, up to MaxLock.
	FirstLock, MaxLock time.Duration
}

// The three rules of logins (see the package doc), and Register: 30
// registrations from one address in 10 minutes lock that address out of
// registering for 10 minutes (each costs a password hash).
var (
	Register  = Rule{Policy: "register-address", Threshold: 30, Window: 10 * time.Minute, FirstLock: 10 * time.Minute, MaxLock: 10 * time.Minute}
	AccountIP = Rule{Policy: "login-account-address", Threshold: 5, Window: 15 * time.Minute, FirstLock: time.Minute, MaxLock: 15 * time.Minute}
	IP        = Rule{Policy: "login-address", Threshold: 30, Window: 15 * time.Minute, FirstLock: 15 * time.Minute, MaxLock: 15 * time.Minute}
	Account   = Rule{Policy: "login-account", Threshold: 20, Window: 15 * time.Minute, FirstLock: time.Minute, MaxLock: 5 * time.Minute}
)

// State is a counter's stored state.
type State struct {
	Failures    int
	WindowStart time.Time
	LockedUntil time.Time
}

// Key names one counter.
type Key struct {
	Name string
	Rule Rule
}

// Device is the rule of a device the account knows (a device token): its
// own failures lock it as AccountIP does; strangers' failures, counted on
// the account and on addresses, do not touch it.
var Device = Rule{Policy: "login-device", Threshold: 5, Window: 15 * time.Minute, FirstLock: time.Minute, MaxLock: 15 * time.Minute}

// DeviceKeys are the counters of a login from a device the account
// knows (by the hash of its device token).
func DeviceKeys(deviceHash []byte) []Key {
	return []Key{{Name: fmt.Sprintf("dev:%x", deviceHash), Rule: Device}}
}

// RegisterKey is the counter of registrations from ip.
func RegisterKey(ip string) Key { return Key{Name: "reg-ip:" + ip, Rule: Register} }

// Keys returns the counters of a login attempt for email from ip.
func Keys(email, ip string) []Key {
	return []Key{
		{Name: "acct-ip:" + email + "|" + ip, Rule: AccountIP},
		{Name: "ip:" + ip, Rule: IP},
		AccountKey(email),
	}
}

// AccountKey is the counter of failed logins on email from any address.
func AccountKey(email string) Key { return Key{Name: "acct:" + email, Rule: Account} }

// Locked returns how long s still locks at now (0 when it does not).
func (s State) Locked(now time.Time) time.Duration {
	if now.Before(s.LockedUntil) {
		return s.LockedUntil.Sub(now)
	}
	return 0
}

// Fail returns the state after one more failure at now.
func (r Rule) Fail(s State, now time.Time) State {
	if s.WindowStart.IsZero() || now.Sub(s.WindowStart) > r.Window {
		s = State{WindowStart: now, LockedUntil: s.LockedUntil}
	}
	s.Failures++
	if over := s.Failures - r.Threshold; over >= 0 {
		lock := r.FirstLock
		for i := 0; i < over && lock < r.MaxLock; i++ {
			lock *= 2
		}
		lock = min(lock, r.MaxLock)
		if until := now.Add(lock); until.After(s.LockedUntil) {
			s.LockedUntil = until
		}
	}
	return s
}

// Rules of the mail that anybody can make the server send, counted per
// request (not per failure): ResetAccount, 5 password resets for one
// address (an account's or not, so that a refusal says nothing of it) in
// an hour, then none for an hour: the owner's inbox is not flooded;
// ResetAddress, 20 resets from one client address in 15 minutes, then
// none from it for 15 minutes; Resend, 5 verification mails a signed-in
// account asks for in an hour, then none for an hour.
var (
	ResetAccount = Rule{Policy: "password-reset-account", Threshold: 5, Window: time.Hour, FirstLock: time.Hour, MaxLock: time.Hour}
	ResetAddress = Rule{Policy: "password-reset-address", Threshold: 20, Window: 15 * time.Minute, FirstLock: 15 * time.Minute, MaxLock: 15 * time.Minute}
	Resend       = Rule{Policy: "verify-email-resend", Threshold: 5, Window: time.Hour, FirstLock: time.Hour, MaxLock: time.Hour}
)

// ResetKeys are the counters of a password reset asked for email from
// ip ("" or loopback: the address is not counted, as for registrations).
func ResetKeys(email, ip string) []Key {
	keys := []Key{{Name: "reset-acct:" + email, Rule: ResetAccount}}
	if ip != "" {
		keys = append(keys, Key{Name: "reset-ip:" + ip, Rule: ResetAddress})
	}
	return keys
}

// ResendKey is the counter of the verification mails user asked for.
func ResendKey(user string) Key { return Key{Name: "resend:" + user, Rule: Resend} }
