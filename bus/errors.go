package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Code classifies an error so that it survives a trip over NATS and maps to
// one HTTP status at the front.
type Code string

// The error codes that cross module boundaries (docs/architecture.md, How a request travels).
const (
	CodeInvalid  Code = "invalid"
	CodeNotFound Code = "not_found"
	// CodeGone means the thing asked for existed and is over for good (a
	// live session that ended).
	CodeGone         Code = "gone"
	CodeConflict     Code = "conflict"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeRateLimited  Code = "rate_limited"
	CodeUnavailable  Code = "unavailable"
	CodeInternal     Code = "internal"
	// CodeTooLarge means a payload exceeded a limit.
	CodeTooLarge Code = "too_large"
	// CodeInfeasible means a valid request asks for something that cannot
	// be done (a training goal that cannot be reached safely); Details
	// says why and what would work.
	CodeInfeasible Code = "infeasible"
	// CodeSecondFactorRequired answers a right password of an account
	// with two-factor sign-in on (401); Details carry the login challenge
	// to complete with a code.
	CodeSecondFactorRequired Code = "second_factor_required"
)

// FieldError names one offending input field and why it was refused.
type FieldError struct {
	// Field is a JSON path such as "body.email" or "query.limit".
	Field string `json:"field"`
	// Reason says what is wrong in words a developer can act on.
	Reason string `json:"reason"`
	// Value is the offending value, when it is safe to echo.
	Value any `json:"value,omitempty"`
}

// Error is the error type that crosses NATS: a code, a message and optional
// field details. Handlers return it (or wrap it); callers get it back from
// Request with errors.As.
type Error struct {
	Code    Code         `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
	// RetryAfter, in seconds, accompanies rate_limited and unavailable.
	RetryAfter int `json:"retry_after_s,omitempty"`
	// RateLimits are the quota policies a rate_limited error ran into;
	// the front sends them as the RateLimit-Policy and RateLimit headers.
	RateLimits []RateLimit `json:"rate_limits,omitempty"`
	// Details are further facts of the problem, in a JSON shape its code
	// defines (infeasible: the reason and the options that would work); the
	// front passes them on as the problem's "details" member.
	Details json.RawMessage `json:"details,omitempty"`

	// notRunning marks Request's error when no process serves the subject.
	notRunning bool
}

// NotRunning reports whether err is Request's: no process serves the
// subject at all (as opposed to one that failed or did not answer in time).
func NotRunning(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.notRunning
}

// RateLimit is one quota policy and the caller's standing under it, in the
// terms of the IETF draft "RateLimit header fields for HTTP"
// (draft-ietf-httpapi-ratelimit-headers).
type RateLimit struct {
	// Policy names the policy, e.g. "login-address".
	Policy string `json:"policy"`
	// Quota is how many requests the policy allows in Window (q).
	Quota int `json:"quota"`
	// WindowS is the policy's time window in seconds (w).
	WindowS int `json:"window_s"`
	// Remaining is the quota left to the caller (r).
	Remaining int `json:"remaining"`
	// ResetS is how many seconds the caller can use no more than
	// Remaining (t).
	ResetS int `json:"reset_s"`
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%s: %s)", e.Code, e.Message, e.Fields[0].Field, e.Fields[0].Reason)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds an invalid-input error naming one field.
func Invalid(field, reason string) *Error {
	return &Error{Code: CodeInvalid, Message: "invalid input", Fields: []FieldError{{Field: field, Reason: reason}}}
}

// AsError returns err as an *Error. A passed deadline becomes
// CodeUnavailable; other errors that carry no code become CodeInternal
// with a generic message, so internal details never leak.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeUnavailable, Message: "timed out", RetryAfter: 1}
	}
	if msg := databaseUnavailable(err); msg != "" {
		return &Error{Code: CodeUnavailable, Message: msg, RetryAfter: 5}
	}
	return &Error{Code: CodeInternal, Message: "internal error"}
}

// databaseUnavailable says why err means the database can't be used right
// now (it is down, restarting, recovering, full), or "" when it doesn't:
// such a failure is the caller's to try again, not a bug.
func databaseUnavailable(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08") && pgErr.Code != "08P01", // connection exception, not a protocol violation (a bug)
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutting down, crashed, starting or recovering
			pgErr.Code == "53300": // too many connections
			return "the database is unavailable; try again shortly"
		case pgErr.Code == "53100": // disk full
			return "the database has no room left; try again later"
		}
		return ""
	}
	// Not pgconn.SafeToRetry: it is also true of "conn busy" and "conn
	// closed", which are bugs of the caller.
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return "the database is unavailable; try again shortly"
	}
	return ""
}

// CodeOf returns the code of err, CodeInternal when it has none, and ""
// for a nil error.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return AsError(err).Code
}

// HTTPStatus is the one mapping from error code to HTTP status.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeInvalid:
		return 400
	case CodeUnauthorized, CodeSecondFactorRequired:
		return 401
	case CodeForbidden:
		return 403
	case CodeNotFound:
		return 404
	case CodeConflict:
		return 409
	case CodeGone:
		return 410
	case CodeTooLarge:
		return 413
	case CodeIdempotencyKeyReused, CodeInfeasible:
		return 422
	case CodeRateLimited:
		return 429
	case CodeUnavailable:
		return 503
	default:
		return 500
	}
}

// FieldInvalid turns a domain rule's field error (fielderr.Error) into an
// invalid error naming the field under prefix (e.g. "body."); other errors
// are returned as they are.
func FieldInvalid(prefix string, err error) error {
	var fe *fielderr.Error
	if errors.As(err, &fe) {
		return Invalid(prefix+fe.Field, fe.Reason)
	}
	return err
}
