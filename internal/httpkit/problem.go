package httpkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/athlos/athlos/bus"
)

// Codes that only the HTTP front produces; they never cross NATS.
const (
	// CodeMethodNotAllowed: the path exists but not with this method (405).
	CodeMethodNotAllowed bus.Code = "method_not_allowed"
	// CodeTimeout: the request did not finish within the front's request
	// timeout (504), or the client was too slow to send it (408).
	CodeTimeout bus.Code = "timeout"
)

// ContentTypeProblem is the media type of every error answer (RFC 9457).
const ContentTypeProblem = "application/problem+json"

// maxEchoedValue bounds how much of an offending string value is echoed.
const maxEchoedValue = 128

// ProblemDetails is the body of every error answer of the front: RFC 9457
// problem details, extended with a stable machine-readable code, the request
// id and field-level details. Type is left empty, which RFC 9457 defines as
// "about:blank": the title is then the HTTP status phrase.
//
// It implements huma.StatusError and huma.ContentTypeFilter, so a handler
// may return it as its error.
type ProblemDetails struct {
	Type      string          `json:"type,omitempty" format:"uri" doc:"A URI reference that identifies the problem type; absent means about:blank."`
	Title     string          `json:"title" example:"Bad Request" doc:"A short summary of the problem type: the HTTP status phrase."`
	Status    int             `json:"status" example:"400" doc:"The HTTP status code."`
	Detail    string          `json:"detail,omitempty" example:"validation failed" doc:"An explanation specific to this occurrence of the problem."`
	Instance  string          `json:"instance,omitempty" format:"uri" doc:"A URI reference that identifies this occurrence of the problem."`
	Code      bus.Code        `json:"code" example:"invalid" doc:"Machine-readable error code: invalid, not_found, conflict, unauthorized, forbidden, rate_limited, unavailable, too_large, infeasible, second_factor_required, method_not_allowed, timeout, idempotency_key_reused or internal."`
	RequestID string          `json:"request_id,omitempty" doc:"The request id, also sent in the X-Request-ID header; quote it when reporting a problem."`
	Errors    []ProblemField  `json:"errors,omitempty" doc:"The offending input fields, when the problem is about the input."`
	Details   json.RawMessage `json:"details,omitempty" doc:"Further machine-readable facts, by code: for infeasible (422, a training goal that cannot be reached safely), the reason and the options that would work (PlanInfeasible); for second_factor_required (401, a right password of an account with two-factor sign-in on), the login challenge (SecondFactorChallenge)."`

	// RetryAfter, in seconds, is sent as the Retry-After header when > 0.
	RetryAfter int `json:"-"`
	// RateLimits are sent as the RateLimit-Policy and RateLimit headers
	// (see SetRateLimitHeaders).
	RateLimits []bus.RateLimit `json:"-"`

	// cause is the error this problem was made from; it is logged by the
	// front, never sent.
	cause error
}

// ProblemField names one offending input field and why it was refused.
type ProblemField struct {
	Field  string `json:"field" example:"body.email" doc:"Where the error is: body.<json path>, path.<name>, query.<name> or header.<name>."`
	Reason string `json:"reason" example:"expected string to be RFC 5322 email" doc:"What is wrong, in words a developer can act on."`
	Value  any    `json:"value,omitempty" doc:"The offending value, when it is short and safe to echo."`
}

// Error returns the detail, or the title when there is no detail.
func (p *ProblemDetails) Error() string {
	if p.Detail != "" {
		return p.Detail
	}
	return p.Title
}

// GetStatus returns the HTTP status (huma.StatusError).
func (p *ProblemDetails) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json (huma.ContentTypeFilter).
func (p *ProblemDetails) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return ContentTypeProblem
	}
	return ct
}

// Unwrap returns the error the problem was made from, if any. It is logged by
// the front and never sent to the client.
func (p *ProblemDetails) Unwrap() error { return p.cause }

// Problem turns err into the error a huma handler returns so that the front
// answers with problem+json:
//
//   - a *bus.Error (also wrapped) gets the status of Code.HTTPStatus(), its
//     message as detail, its field errors as errors[] and, for rate_limited
//     and unavailable, a Retry-After header when RetryAfter > 0; an internal
//     (or unknown) code hides its message;
//   - context.DeadlineExceeded becomes 504 timeout, context.Canceled 503
//     unavailable;
//   - a *ProblemDetails is returned as it is;
//   - any other error becomes 500 internal with a generic message; the error
//     itself is only logged.
//
// Problem(nil) is nil.
func Problem(err error) error {
	if err == nil {
		return nil
	}
	return AsProblem(err)
}

// AsProblem is Problem with the concrete result type; err must not be nil.
func AsProblem(err error) *ProblemDetails {
	var p *ProblemDetails
	if errors.As(err, &p) {
		return p
	}
	var be *bus.Error
	if errors.As(err, &be) {
		return fromBus(be, err)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &ProblemDetails{
			Title:  http.StatusText(http.StatusGatewayTimeout),
			Status: http.StatusGatewayTimeout,
			Detail: "the request did not complete in time",
			Code:   CodeTimeout,
			cause:  err,
		}
	case errors.Is(err, context.Canceled):
		return &ProblemDetails{
			Title:  http.StatusText(http.StatusServiceUnavailable),
			Status: http.StatusServiceUnavailable,
			Detail: "the request was canceled",
			Code:   bus.CodeUnavailable,
			cause:  err,
		}
	}
	var em *huma.ErrorModel
	if errors.As(err, &em) {
		return FromErrorModel(em)
	}
	return internal(err)
}

func internal(cause error) *ProblemDetails {
	return &ProblemDetails{
		Title:  http.StatusText(http.StatusInternalServerError),
		Status: http.StatusInternalServerError,
		Detail: "internal error",
		Code:   bus.CodeInternal,
		cause:  cause,
	}
}

func fromBus(be *bus.Error, err error) *ProblemDetails {
	status := be.Code.HTTPStatus()
	if status >= 500 && be.Code != bus.CodeUnavailable {
		// internal, or a code this front does not know: never echo the message.
		return internal(err)
	}
	p := &ProblemDetails{
		Title:  http.StatusText(status),
		Status: status,
		Detail: be.Message,
		Code:   be.Code,
		cause:  err,
	}
	if len(be.Fields) > 0 {
		p.Errors = make([]ProblemField, 0, len(be.Fields))
		for _, f := range be.Fields {
			p.Errors = append(p.Errors, ProblemField{Field: f.Field, Reason: f.Reason, Value: safeValue(f.Field, f.Value)})
		}
	}
	if be.RetryAfter > 0 && (be.Code == bus.CodeRateLimited || be.Code == bus.CodeUnavailable) {
		p.RetryAfter = be.RetryAfter
	}
	if be.Code == bus.CodeRateLimited {
		p.RateLimits = be.RateLimits
	}
	if len(be.Details) > 0 && json.Valid(be.Details) {
		p.Details = be.Details
	}
	return p
}

// Headers of rate-limited answers (IETF draft httpapi-ratelimit-headers).
const (
	HeaderRateLimit       = "RateLimit"
	HeaderRateLimitPolicy = "RateLimit-Policy"
)

// SetRateLimitHeaders writes limits as the RateLimit-Policy header (each
// policy with its quota q and window w) and the RateLimit header (what is
// left, r, and for how long, t), Structured Field lists such as
//
//	RateLimit-Policy: "login-address";q=30;w=900
//	RateLimit: "login-address";r=0;t=842
//
// set is called once per header; nothing is set without limits.
func SetRateLimitHeaders(set func(name, value string), limits []bus.RateLimit) {
	if len(limits) == 0 {
		return
	}
	var policy, limit strings.Builder
	for i, l := range limits {
		if i > 0 {
			policy.WriteString(", ")
			limit.WriteString(", ")
		}
		name := sfString(l.Policy)
		fmt.Fprintf(&policy, "%s;q=%d;w=%d", name, max(l.Quota, 0), max(l.WindowS, 1))
		fmt.Fprintf(&limit, "%s;r=%d;t=%d", name, max(l.Remaining, 0), max(l.ResetS, 0))
	}
	set(HeaderRateLimitPolicy, policy.String())
	set(HeaderRateLimit, limit.String())
}

// sfString encodes s as a Structured Field string (RFC 8941, 3.3.3):
// quoted, with backslash escapes; characters outside printable ASCII are
// left out.
func sfString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// FromErrorModel converts huma's own error model (e.g. one a handler built
// by hand) to a ProblemDetails.
func FromErrorModel(em *huma.ErrorModel) *ProblemDetails {
	errs := make([]error, 0, len(em.Errors))
	for _, d := range em.Errors {
		if d != nil {
			errs = append(errs, d)
		}
	}
	p := NewError(em.Status, em.Detail, errs...)
	p.Type, p.Instance = em.Type, em.Instance
	return p
}

// NewError builds the problem for an HTTP status, a message and optional
// field errors. It has the shape of huma.NewError, which the front replaces
// with it, so that huma's own errors (validation, malformed bodies, huma.ErrorXXX
// helpers) come out as ProblemDetails too:
//
//   - 422 (huma's validation failures) becomes 400: bad input is 400 with the
//     field and the reason;
//   - 500 with an error attached is mapped like Problem (that is how huma
//     reports a handler error that carries no status, e.g. a bare *bus.Error);
//     otherwise 500 hides the message;
//   - other 5xx keep the message but never the attached errors.
func NewError(status int, msg string, errs ...error) *ProblemDetails {
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	if status == http.StatusInternalServerError {
		for _, e := range errs {
			if e != nil {
				return AsProblem(e)
			}
		}
		return internal(errors.New(msg))
	}
	if limit, ok := strings.CutPrefix(msg, "request body is too large limit="); ok && status == http.StatusRequestEntityTooLarge {
		// huma's wording, in the front's.
		msg = "the request body exceeds " + limit
	}
	p := &ProblemDetails{
		Title:  http.StatusText(status),
		Status: status,
		Detail: msg,
		Code:   CodeForStatus(status),
	}
	if status >= 500 {
		p.cause = errors.Join(errs...)
		return p
	}
	for _, e := range errs {
		if e == nil {
			continue
		}
		p.Errors = append(p.Errors, fieldOf(e))
	}
	if status == http.StatusBadRequest && len(p.Errors) == 0 && strings.Contains(msg, "body") {
		// huma's "request body is required" and the like: name the body.
		p.Errors = []ProblemField{{Field: "body", Reason: msg}}
	}
	return p
}

// CodeForStatus is the code the front reports for an HTTP status that did
// not come from a bus error.
func CodeForStatus(status int) bus.Code {
	switch status {
	case http.StatusUnauthorized:
		return bus.CodeUnauthorized
	case http.StatusForbidden:
		return bus.CodeForbidden
	case http.StatusNotFound, http.StatusGone:
		return bus.CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusRequestTimeout, http.StatusGatewayTimeout:
		return CodeTimeout
	case http.StatusConflict, http.StatusPreconditionFailed:
		return bus.CodeConflict
	case http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong, http.StatusRequestHeaderFieldsTooLarge:
		return bus.CodeTooLarge
	case http.StatusTooManyRequests:
		return bus.CodeRateLimited
	case http.StatusServiceUnavailable:
		return bus.CodeUnavailable
	}
	switch {
	case status >= 500:
		return bus.CodeInternal
	case status >= 400:
		return bus.CodeInvalid
	}
	return ""
}

const (
	requiredPrefix = "expected required property "
	requiredSuffix = " to be present"
)

func fieldOf(err error) ProblemField {
	var d huma.ErrorDetailer
	if !errors.As(err, &d) {
		return ProblemField{Reason: err.Error()}
	}
	detail := d.ErrorDetail()
	f := ProblemField{Field: detail.Location, Reason: detail.Message}
	// huma reports a missing property at its parent, with the whole parent
	// object as the value: name the missing field itself instead.
	if name, ok := strings.CutPrefix(f.Reason, requiredPrefix); ok {
		if name, ok = strings.CutSuffix(name, requiredSuffix); ok {
			if f.Field == "" {
				f.Field = name
			} else {
				f.Field += "." + name
			}
			f.Reason = "required property is missing"
			return f
		}
	}
	f.Value = safeValue(f.Field, detail.Value)
	return f
}

// safeValue returns v when it is short and safe to echo back: scalars only,
// strings cut to maxEchoedValue bytes, nothing for whole bodies or for fields
// whose name suggests a secret.
func safeValue(field string, v any) any {
	if v == nil || field == "body" || sensitive(field) {
		return nil
	}
	switch x := v.(type) {
	case string:
		if len(x) > maxEchoedValue {
			cut := maxEchoedValue
			for cut > 0 && !utf8.RuneStart(x[cut]) {
				cut--
			}
			return x[:cut] + "…"
		}
		return x
	case bool, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return x
	}
	return nil
}

func sensitive(field string) bool {
	f := strings.ToLower(field)
	for _, s := range [...]string{"password", "secret", "token", "authorization", "cookie", "key"} {
		if strings.Contains(f, s) {
			return true
		}
	}
	return false
}
