package gateway

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"

	"github.com/athlos/athlos/internal/httpkit"
)

// causeKey is the fiber local under which the error behind an error answer
// is kept for the access log line.
const causeKey = "athlos.gateway.cause"

// maxRequestIDLen bounds an X-Request-ID taken from a client.
const maxRequestIDLen = 128

// serve wraps every request: request id, deadline, panics, errors as
// problem+json, metrics and the access log line.
func (f *Front) serve(c *fiber.Ctx) error {
	start := time.Now()
	self := c.Route() // this middleware's route: still current after Next when no route matched
	rid := requestID(c)
	c.Set(httpkit.HeaderRequestID, rid)
	ctx, cancel := context.WithTimeout(context.Background(), f.cfg.RequestTimeout)
	ctx = httpkit.WithRequestID(ctx, rid)
	c.SetUserContext(ctx)
	defer func() {
		if p := recover(); p != nil {
			f.log.Error("panic serving request",
				slog.String("request_id", rid), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			c.Response().ResetBody()
			f.writeProblem(c, httpkit.AsProblem(fmt.Errorf("panic: %v", p)), rid)
		}
		cancel()
		if !f.finishBody(c) {
			c.Context().SetConnectionClose()
		}
		if f.stopping.Load() {
			// Draining: the client's next request goes to another node.
			c.Context().SetConnectionClose()
		}
		f.finish(ctx, c, start, rid, f.routeOf(c, self))
	}()
	if p := f.bodyProblem(c); p != nil {
		f.writeProblem(c, p, rid)
		return nil
	}
	next := c.Next
	if f.cors != nil {
		// CORS runs inside serve, not as a route of its own: a preflight
		// it answers keeps the route label "unmatched".
		next = func() error { return f.cors(c) }
	}
	if err := next(); err != nil {
		f.writeError(c, err, rid)
	}
	compress(c)
	return nil
}

// finishBody reads what the operation left of the request body (bodies
// are streamed, and an answer may come before the body is read: a 401, a
// 415, a refused size), at most drainLimit for drainTimeout, so that a
// client still sending hears the answer rather than a reset. It reports
// whether the connection may carry another request: fasthttp would
// otherwise parse the unread rest of the body as the next request (a
// 100 KB body after a 401 came back as a 431 to nobody), and behind a
// proxy that shares connections between clients, one client's body
// would be answered as another's request. A body that was refused, too
// large or not read to its end closes the connection.
func (f *Front) finishBody(c *fiber.Ctx) bool {
	refused := c.Get(headerBodyRefused) != "" || c.Response().StatusCode() == http.StatusRequestEntityTooLarge
	n := c.Request().Header.ContentLength()
	if !c.Request().IsBodyStream() || n == 0 {
		// No body, or one declared too large to read (its length was
		// set to nothing): the refusal closes the connection.
		return !refused
	}
	if n < 0 || (refused && n > drainLimit) {
		return false
	}
	_ = c.Context().Conn().SetReadDeadline(time.Now().Add(drainTimeout))
	_, err := io.CopyN(io.Discard, c.Request().BodyStream(), drainLimit+1)
	return err == io.EOF && !refused
}

// bodyProblem refuses a request body no operation takes before any of it
// is read: compressed (no operation takes one; a compressed upload is a
// gzip file, not a gzip request), without a length (chunked), or declared
// larger than the largest limit of any operation. (huma applies each
// operation's own limit as it reads, but not to multipart forms, which
// fasthttp parses: their bound is this one.)
func (f *Front) bodyProblem(c *fiber.Ctx) *httpkit.ProblemDetails {
	if limit := c.Get(headerBodyRefused); limit != "" {
		return httpkit.NewError(http.StatusRequestEntityTooLarge, "the request body exceeds "+limit+" bytes")
	}
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return httpkit.NewError(http.StatusUnsupportedMediaType, "compressed request bodies (Content-Encoding: "+enc+") are not accepted")
	}
	n := c.Request().Header.ContentLength()
	if n == -1 { // chunked: a length is needed to refuse a body before reading it
		return httpkit.NewError(http.StatusLengthRequired, "a request body needs a Content-Length")
	}
	if f.maxBody > 0 && int64(n) > f.maxBody {
		return httpkit.NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body exceeds %d bytes", f.maxBody))
	}
	return nil
}

// headerBodyRefused marks, with the limit, a request whose declared body
// refuseUnreadBody refused (a header of the server's own: one a client
// sends is removed).
const headerBodyRefused = "X-Athlos-Body-Refused"

// routeLimit is an operation's body limit.
type routeLimit struct {
	method string
	path   []string // the template's segments; "{…}" matches any one
	max    int64
}

// unmatchedBodyLimit is the body a request to no operation may declare
// (it is answered 404 or 405 anyway).
const unmatchedBodyLimit = 64 << 10

// bodyLimit is the largest body the operation at method and path takes.
func (f *Front) bodyLimit(method, path string) int64 {
	segs := strings.Split(path, "/")
	for _, r := range f.limits {
		if r.method != method || len(r.path) != len(segs) {
			continue
		}
		match := true
		for i, s := range r.path {
			if s != segs[i] && !(strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}")) {
				match = false
				break
			}
		}
		if match {
			return r.max
		}
	}
	return unmatchedBodyLimit
}

// refuseUnreadBody runs when a request's head has arrived, before fasthttp
// reads any of its body: a body declared larger than the operation takes
// is not read at all (fasthttp would wait for its first kilobytes, 30 s
// for a client that sends none): its length is set to nothing, the
// request is marked, and serve answers 413 and closes the connection.
func (f *Front) refuseUnreadBody(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	h.Del(headerBodyRefused)
	n := h.ContentLength()
	if n <= 0 {
		return fasthttp.RequestConfig{}
	}
	path := h.RequestURI()
	if i := bytes.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if limit := f.bodyLimit(string(h.Method()), string(path)); int64(n) > limit {
		h.Set(headerBodyRefused, strconv.FormatInt(limit, 10))
		if n > drainLimit {
			// Not worth reading: the connection closes under the client.
			h.SetContentLength(0)
			return fasthttp.RequestConfig{}
		}
		// Small enough to read and throw away after the 413 (serve), so a
		// client still sending hears it: but not waited for long.
		return fasthttp.RequestConfig{MaxRequestBodySize: 1, ReadTimeout: drainTimeout}
	}
	return fasthttp.RequestConfig{}
}

// drainLimit is the most of a refused body the front reads (and throws
// away) so that a client still sending gets its 413 rather than a reset;
// a body declared larger is not read at all.
const drainLimit = 1 << 20

// drainTimeout bounds the wait for a refused body's bytes.
const drainTimeout = 2 * time.Second

// errorHandler is fiber's ErrorHandler. Errors of the middleware chain are
// written by serve itself; what reaches here are requests fasthttp refused
// before routing (body over BodyLimit, headers too large, malformed).
func (f *Front) errorHandler(c *fiber.Ctx, err error) error {
	if rid := httpkit.RequestID(c.UserContext()); rid != "" {
		f.writeError(c, err, rid)
		return nil
	}
	start := time.Now()
	rid := requestID(c)
	c.Set(httpkit.HeaderRequestID, rid)
	f.writeError(c, err, rid)
	f.finish(context.Background(), c, start, rid, routeUnmatched)
	return nil
}

// writeError answers err as problem+json.
func (f *Front) writeError(c *fiber.Ctx, err error, rid string) {
	var fe *fiber.Error
	if !errors.As(err, &fe) {
		f.writeProblem(c, httpkit.AsProblem(err), rid)
		return
	}
	var detail string
	switch fe.Code {
	case http.StatusNotFound:
		detail = "no route matches this path"
	case http.StatusMethodNotAllowed:
		detail = "the path does not support this method; see the Allow header"
	case http.StatusRequestEntityTooLarge:
		detail = "the request body exceeds " + strconv.Itoa(f.cfg.BodyLimit) + " bytes"
	case http.StatusRequestHeaderFieldsTooLarge:
		detail = "the request headers are too large"
	case http.StatusRequestTimeout:
		detail = "the request was not received in time"
	default:
		detail = http.StatusText(fe.Code)
	}
	f.writeProblem(c, httpkit.NewError(fe.Code, detail), rid)
}

// writeProblem writes p with the request id, replacing any body.
func (f *Front) writeProblem(c *fiber.Ctx, p *httpkit.ProblemDetails, rid string) {
	out := *p
	out.RequestID = rid
	body, err := json.Marshal(&out)
	if err != nil { // a field value that does not marshal: drop the details
		out.Errors = nil
		body, _ = json.Marshal(&out)
	}
	c.Status(out.Status)
	c.Set(fiber.HeaderContentType, httpkit.ContentTypeProblem)
	if out.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(out.RetryAfter))
	}
	httpkit.SetRateLimitHeaders(c.Set, out.RateLimits)
	c.Response().SetBodyRaw(body)
	if cause := p.Unwrap(); cause != nil {
		c.Locals(causeKey, cause)
	}
}

// transform is the huma transformer: it completes the problem of every
// error huma writes with the request id and the Retry-After header, and keeps
// its cause for the access log. Other bodies pass untouched.
func (f *Front) transform(hctx huma.Context, status string, v any) (any, error) {
	var p *httpkit.ProblemDetails
	switch x := v.(type) {
	case *httpkit.ProblemDetails:
		p = x
	case *huma.ErrorModel: // built by hand, bypassing huma.NewError
		p = httpkit.FromErrorModel(x)
		if s, err := strconv.Atoi(status); err == nil && s != p.Status {
			p.Status, p.Title, p.Code = s, http.StatusText(s), httpkit.CodeForStatus(s)
		}
	default:
		return v, nil
	}
	out := *p // p may be shared (a package-level error value): never mutate it
	out.RequestID = httpkit.RequestID(hctx.Context())
	if out.RetryAfter > 0 {
		hctx.SetHeader(fiber.HeaderRetryAfter, strconv.Itoa(out.RetryAfter))
	}
	httpkit.SetRateLimitHeaders(hctx.SetHeader, out.RateLimits)
	if cause := p.Unwrap(); cause != nil {
		humafiber.Unwrap(hctx).Locals(causeKey, cause)
	}
	return &out, nil
}

// finish records the metrics and writes the access log line.
func (f *Front) finish(ctx context.Context, c *fiber.Ctx, start time.Time, rid, route string) {
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	method := canonicalMethod(c.Method())
	f.metrics.observe(method, route, status, elapsed)

	level := f.cfg.AccessLogLevel
	switch {
	case status == http.StatusInternalServerError:
		level = slog.LevelError
	case status >= 500: // unavailable, timeout: a dependency, not a bug here
		level = max(level, slog.LevelWarn)
	}
	if !f.log.Enabled(ctx, level) {
		return
	}
	if status >= 500 {
		// An outage fails every request the same way: a few lines a
		// minute, and one with the count when it is over.
		args := []any{"method", method, "route", route, "status", status, "duration", elapsed, "request_id", rid}
		if cause, ok := c.Locals(causeKey).(error); ok && cause != nil {
			args = append(args, "error", cause.Error())
		}
		if status == http.StatusInternalServerError {
			f.failed.Fail(ctx, level, args...)
		} else {
			f.unavailable.Fail(ctx, level, args...)
		}
		return
	}
	if status >= 400 {
		if cause, ok := c.Locals(causeKey).(error); ok && cause != nil {
			f.log.LogAttrs(ctx, level, "http request",
				slog.String("method", method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Duration("duration", elapsed),
				slog.String("request_id", rid),
				slog.String("error", cause.Error()),
			)
			return
		}
	}
	f.log.LogAttrs(ctx, level, "http request",
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", elapsed),
		slog.String("request_id", rid),
	)
}

// requestID returns the client's X-Request-ID when it is sane (1 to 128
// visible ASCII characters), else a new random UUID.
func requestID(c *fiber.Ctx) string {
	if b := c.Request().Header.Peek(httpkit.HeaderRequestID); validRequestID(b) {
		return string(b)
	}
	return newRequestID()
}

func validRequestID(b []byte) bool {
	if len(b) == 0 || len(b) > maxRequestIDLen {
		return false
	}
	for _, ch := range b {
		if ch <= ' ' || ch > '~' {
			return false
		}
	}
	return true
}

// newRequestID makes a version 4 UUID from the runtime's fast ChaCha8
// generator: request ids must be unique, not secret, and crypto/rand would
// cost a system call per request.
func newRequestID() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = (u[6] & 0x0f) | 0x40 // version 4
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return u.String()
}

// canonicalMethod returns a constant string for the method, so that metric
// series keys never hold request memory.
func canonicalMethod(m string) string {
	switch m {
	case http.MethodGet:
		return http.MethodGet
	case http.MethodPost:
		return http.MethodPost
	case http.MethodPut:
		return http.MethodPut
	case http.MethodPatch:
		return http.MethodPatch
	case http.MethodDelete:
		return http.MethodDelete
	case http.MethodHead:
		return http.MethodHead
	case http.MethodOptions:
		return http.MethodOptions
	case http.MethodConnect:
		return http.MethodConnect
	case http.MethodTrace:
		return http.MethodTrace
	}
	return "OTHER"
}
