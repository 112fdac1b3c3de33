package httpkit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
)

func TestRequestID(t *testing.T) {
	assert.Equal(t, "", httpkit.RequestID(context.Background()))
	ctx := httpkit.WithRequestID(context.Background(), "r-1")
	assert.Equal(t, "r-1", httpkit.RequestID(ctx))

	type other struct{}
	child := context.WithValue(ctx, other{}, "x")
	assert.Equal(t, "r-1", httpkit.RequestID(child), "survives derived contexts")
	assert.Equal(t, "x", child.Value(other{}))
	assert.Equal(t, "r-2", httpkit.RequestID(httpkit.WithRequestID(child, "r-2")), "innermost wins")
}

func TestProblemFromBusErrors(t *testing.T) {
	assert.NoError(t, httpkit.Problem(nil))

	cases := []struct {
		err    *bus.Error
		status int
	}{
		{bus.Errorf(bus.CodeInvalid, "bad"), 400},
		{bus.Errorf(bus.CodeUnauthorized, "who"), 401},
		{bus.Errorf(bus.CodeForbidden, "no"), 403},
		{bus.Errorf(bus.CodeNotFound, "gone"), 404},
		{bus.Errorf(bus.CodeConflict, "taken"), 409},
		{bus.Errorf(bus.CodeTooLarge, "big"), 413},
		{bus.Errorf(bus.CodeRateLimited, "slow down"), 429},
		{bus.Errorf(bus.CodeUnavailable, "down"), 503},
	}
	for _, c := range cases {
		t.Run(string(c.err.Code), func(t *testing.T) {
			p := httpkit.AsProblem(fmt.Errorf("wrapped: %w", c.err))
			assert.Equal(t, c.status, p.Status)
			assert.Equal(t, c.status, p.GetStatus())
			assert.Equal(t, http.StatusText(c.status), p.Title)
			assert.Equal(t, c.err.Code, p.Code)
			assert.Equal(t, c.err.Message, p.Detail)
			assert.Equal(t, "application/problem+json", p.ContentType("application/json"))
			assert.ErrorIs(t, p, c.err, "the cause is kept for logging")
		})
	}
}

func TestProblemRetryAfter(t *testing.T) {
	e := bus.Errorf(bus.CodeRateLimited, "slow down")
	e.RetryAfter = 7
	assert.Equal(t, 7, httpkit.AsProblem(e).RetryAfter)

	e = bus.Errorf(bus.CodeConflict, "taken")
	e.RetryAfter = 7
	assert.Zero(t, httpkit.AsProblem(e).RetryAfter, "only for rate_limited and unavailable")
}

func TestProblemFields(t *testing.T) {
	e := &bus.Error{Code: bus.CodeInvalid, Message: "invalid input", Fields: []bus.FieldError{
		{Field: "body.email", Reason: "not an email", Value: "x@"},
		{Field: "body.password", Reason: "too short", Value: "hunter2"},
		{Field: "body.name", Reason: "too long", Value: strings.Repeat("é", 200)},
		{Field: "body.tags", Reason: "too many", Value: []any{"a", "b"}},
		{Field: "query.limit", Reason: "too big", Value: 1000},
	}}
	p := httpkit.AsProblem(e)
	require.Len(t, p.Errors, 5)
	assert.Equal(t, httpkit.ProblemField{Field: "body.email", Reason: "not an email", Value: "x@"}, p.Errors[0])
	assert.Nil(t, p.Errors[1].Value, "secrets are not echoed")
	name := p.Errors[2].Value.(string)
	assert.LessOrEqual(t, len(name), 128+len("…"))
	assert.True(t, strings.HasSuffix(name, "…"))
	assert.Nil(t, p.Errors[3].Value, "composite values are not echoed")
	assert.Equal(t, 1000, p.Errors[4].Value)
}

func TestProblemHidesInternals(t *testing.T) {
	secret := errors.New("dial 10.0.0.5:5432: password authentication failed")
	for _, err := range []error{
		secret,
		bus.Errorf(bus.CodeInternal, "%v", secret),
		bus.Errorf(bus.Code("brand_new"), "%v", secret),
		huma.Error500InternalServerError("db", secret),
	} {
		p := httpkit.AsProblem(err)
		assert.Equal(t, 500, p.Status)
		assert.Equal(t, bus.CodeInternal, p.Code)
		assert.Equal(t, "internal error", p.Detail)
		assert.Empty(t, p.Errors)
		assert.Error(t, p.Unwrap(), "kept for the log")
	}
}

func TestProblemContextErrors(t *testing.T) {
	p := httpkit.AsProblem(fmt.Errorf("rpc: %w", context.DeadlineExceeded))
	assert.Equal(t, 504, p.Status)
	assert.Equal(t, httpkit.CodeTimeout, p.Code)

	p = httpkit.AsProblem(context.Canceled)
	assert.Equal(t, 503, p.Status)
	assert.Equal(t, bus.CodeUnavailable, p.Code)
}

func TestProblemPassesProblemsThrough(t *testing.T) {
	orig := httpkit.NewError(http.StatusConflict, "taken")
	assert.Same(t, orig, httpkit.AsProblem(fmt.Errorf("x: %w", orig)))
}

func TestNewErrorFromHumaValidation(t *testing.T) {
	p := httpkit.NewError(http.StatusUnprocessableEntity, "validation failed",
		&huma.ErrorDetail{Location: "body", Message: "expected required property name to be present", Value: map[string]any{"count": 1}},
		&huma.ErrorDetail{Location: "body.count", Message: "expected number <= 10", Value: 11.0},
		errors.New("plain"),
	)
	assert.Equal(t, 400, p.Status)
	assert.Equal(t, "Bad Request", p.Title)
	assert.Equal(t, bus.CodeInvalid, p.Code)
	assert.Equal(t, []httpkit.ProblemField{
		{Field: "body.name", Reason: "required property is missing"},
		{Field: "body.count", Reason: "expected number <= 10", Value: 11.0},
		{Reason: "plain"},
	}, p.Errors)

	// A 5xx never carries the attached errors.
	p = httpkit.NewError(http.StatusBadGateway, "upstream", errors.New("10.0.0.5 refused"))
	assert.Equal(t, 502, p.Status)
	assert.Empty(t, p.Errors)
	assert.Equal(t, "upstream", p.Detail)
}

func TestFromErrorModel(t *testing.T) {
	p := httpkit.FromErrorModel(&huma.ErrorModel{
		Status: 404, Detail: "nope", Errors: []*huma.ErrorDetail{{Location: "path.id", Message: "unknown", Value: "x"}},
	})
	assert.Equal(t, 404, p.Status)
	assert.Equal(t, bus.CodeNotFound, p.Code)
	assert.Equal(t, []httpkit.ProblemField{{Field: "path.id", Reason: "unknown", Value: "x"}}, p.Errors)
}

func TestCodeForStatus(t *testing.T) {
	for status, code := range map[int]bus.Code{
		400: bus.CodeInvalid, 401: bus.CodeUnauthorized, 403: bus.CodeForbidden, 404: bus.CodeNotFound,
		405: httpkit.CodeMethodNotAllowed, 408: httpkit.CodeTimeout, 409: bus.CodeConflict, 413: bus.CodeTooLarge,
		415: bus.CodeInvalid, 429: bus.CodeRateLimited, 431: bus.CodeTooLarge, 500: bus.CodeInternal,
		503: bus.CodeUnavailable, 504: httpkit.CodeTimeout,
	} {
		assert.Equal(t, code, httpkit.CodeForStatus(status), "status %d", status)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	got := map[string]string{}
	set := func(k, v string) { got[k] = v }
	httpkit.SetRateLimitHeaders(set, nil)
	assert.Empty(t, got)
	httpkit.SetRateLimitHeaders(set, []bus.RateLimit{
		{Policy: "login-address", Quota: 30, WindowS: 900, Remaining: 0, ResetS: 842},
		{Policy: `odd "name"\é`, Quota: 5, WindowS: 60, Remaining: 2, ResetS: 7},
	})
	assert.Equal(t, map[string]string{
		"RateLimit-Policy": `"login-address";q=30;w=900, "odd \"name\"\\";q=5;w=60`,
		"RateLimit":        `"login-address";r=0;t=842, "odd \"name\"\\";r=2;t=7`,
	}, got)

	e := bus.Errorf(bus.CodeRateLimited, "slow down")
	e.RetryAfter, e.RateLimits = 3, []bus.RateLimit{{Policy: "p", Quota: 1, WindowS: 1, ResetS: 3}}
	assert.Equal(t, e.RateLimits, httpkit.AsProblem(e).RateLimits)
	e.Code = bus.CodeConflict
	assert.Empty(t, httpkit.AsProblem(e).RateLimits, "only for rate_limited")
}
