package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"

	"github.com/athlos/athlos/internal/lograte"
)

// Headers carried on RPC requests.
const (
	// HeaderRequestID carries the HTTP request id through NATS.
	HeaderRequestID = "X-Request-ID"
	// HeaderDeadline carries the caller's deadline (Unix milliseconds), so a
	// handler stops working on a request nobody waits for any more.
	HeaderDeadline = "Athlos-Deadline"
	// micro sets these on error replies.
	headerServiceError     = "Nats-Service-Error"
	headerServiceErrorCode = "Nats-Service-Error-Code"
)

// DefaultRequestTimeout bounds a request whose context has no deadline.
const DefaultRequestTimeout = 10 * time.Second

type requestIDKey struct{}

// WithRequestID returns a context carrying a request id, forwarded on every
// request made with it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RPCSubject is the subject of a module's operation: rpc.<module>.<op>,
// where op is "<entity>.<verb>".
func RPCSubject(module, op string) string { return "rpc." + module + "." + op }

// Request sends data to subject and returns the reply body. Errors are
// *Error: unavailable when no process serves the subject or it does not
// answer in time, otherwise the code the handler returned. hdr may be nil.
func Request(ctx context.Context, nc *nats.Conn, subject string, data []byte, hdr nats.Header) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultRequestTimeout)
		defer cancel()
	}
	if hdr == nil {
		hdr = nats.Header{}
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: hdr}
	if id := RequestID(ctx); id != "" {
		hdr.Set(HeaderRequestID, id)
	}
	setCaller(ctx, hdr)
	setIdempotencyKey(ctx, hdr)
	deadline, _ := ctx.Deadline()
	hdr.Set(HeaderDeadline, strconv.FormatInt(deadline.UnixMilli(), 10))
	reply, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		switch {
		case errors.Is(err, nats.ErrNoResponders):
			return nil, &Error{Code: CodeUnavailable, Message: "the service for " + subject + " is not running", RetryAfter: 5, notRunning: true}
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
			return nil, &Error{Code: CodeUnavailable, Message: "the service for " + subject + " did not answer in time", RetryAfter: 1}
		case errors.Is(err, context.Canceled):
			return nil, fmt.Errorf("bus: request %s: %w", subject, err)
		default:
			return nil, &Error{Code: CodeUnavailable, Message: "messaging unavailable: " + err.Error(), RetryAfter: 1}
		}
	}
	if code := reply.Header.Get(headerServiceErrorCode); code != "" {
		e := &Error{}
		if err := json.Unmarshal(reply.Data, e); err != nil || e.Code == "" {
			e = &Error{Code: Code(code), Message: reply.Header.Get(headerServiceError)}
		}
		return nil, e
	}
	return reply.Data, nil
}

// Call is Request with JSON encoding of the request and the reply.
func Call[Req, Resp any](ctx context.Context, nc *nats.Conn, subject string, req Req) (Resp, error) {
	var resp Resp
	data, err := json.Marshal(req)
	if err != nil {
		return resp, fmt.Errorf("bus: encode request for %s: %w", subject, err)
	}
	out, err := Request(ctx, nc, subject, data, nil)
	if err != nil {
		return resp, err
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return resp, fmt.Errorf("bus: decode reply from %s: %w", subject, err)
	}
	return resp, nil
}

// Msg is an incoming request as a handler sees it.
type Msg struct {
	Subject string
	Data    []byte
	Header  nats.Header
}

// HandlerFunc answers one request with the reply body, or an error that
// becomes an *Error on the caller's side.
type HandlerFunc func(ctx context.Context, m *Msg) ([]byte, error)

// JSON adapts a typed function to a HandlerFunc: the request body is
// decoded into Req (a malformed body is an invalid error) and Resp is
// encoded as the reply.
func JSON[Req, Resp any](fn func(context.Context, Req) (Resp, error)) HandlerFunc {
	return JSONEncoded(func(ctx context.Context, req Req) ([]byte, error) {
		resp, err := fn(ctx, req)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	})
}

// JSONEncoded is JSON for a function that encodes its reply itself (a
// long answer with an encoder faster than encoding/json's reflection):
// the request is decoded and checked as JSON does; the bytes fn answers
// are the reply as they are.
func JSONEncoded[Req any](fn func(context.Context, Req) ([]byte, error)) HandlerFunc {
	return func(ctx context.Context, m *Msg) ([]byte, error) {
		var req Req
		if len(m.Data) > 0 {
			if err := json.Unmarshal(m.Data, &req); err != nil {
				return nil, &Error{Code: CodeInvalid, Message: "malformed request: " + err.Error()}
			}
			if err := noNUL(m.Data); err != nil {
				return nil, err
			}
		}
		return fn(ctx, req)
	}
}

// noNUL refuses a request with a NUL character in any of its strings,
// naming the first such field (as body.<path>): no text column of
// PostgreSQL takes one, and it would otherwise fail as an internal error
// wherever it was stored. JSON carries it escaped, so only requests that
// hold the escape are looked into.
func noNUL(data []byte) error {
	if !bytes.Contains(data, []byte(`\u0000`)) {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil
	}
	if path, ok := findNUL(v, "body"); ok {
		return Invalid(path, "must not contain a NUL character")
	}
	return nil
}

// findNUL walks a decoded JSON value for a string (or key) holding NUL.
func findNUL(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, strings.ContainsRune(x, 0)
	case []any:
		for i, e := range x {
			if p, ok := findNUL(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return path, true
			}
			if p, ok := findNUL(e, path+"."+k); ok {
				return p, true
			}
		}
	}
	return "", false
}

// ServiceConfig configures a module's RPC service.
type ServiceConfig struct {
	// Module names the service ("athlos-<module>") and its subjects
	// (rpc.<module>.*).
	Module  string
	Version string
	// Concurrency bounds the requests handled at once; 0 means 512.
	Concurrency int
	// Timeout bounds one handler; 0 means 30s.
	Timeout time.Duration
}

// Service is a module's RPC service: a nats micro service whose endpoints
// all sit in one queue group, so every process running the module shares
// the load. Each service answers rpc.<module>.status.get.
type Service struct {
	nc     *nats.Conn
	svc    micro.Service
	cfg    ServiceConfig
	sem    chan struct{}
	logger *slog.Logger
	// failed and unavailable log handlers' internal errors and their
	// "try again" ones (a database outage), each rate-limited on its own
	// so that an outage does not hide a bug.
	failed, unavailable *lograte.Failures
	started             time.Time
	ctx                 context.Context
	cancel              context.CancelFunc

	mu      sync.Mutex
	cancels []context.CancelFunc // of the endpoints' contexts
}

// ModuleStatus is the answer of rpc.<module>.status.get.
type ModuleStatus struct {
	Module    string    `json:"module"`
	Instance  string    `json:"instance"`
	Version   string    `json:"version"`
	StartedAt time.Time `json:"started_at"`
	UptimeS   float64   `json:"uptime_s"`
}

// NewService registers a module's service on nc.
func NewService(nc *nats.Conn, cfg ServiceConfig, logger *slog.Logger) (*Service, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 512
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Version == "" {
		cfg.Version = "0.0.0"
	}
	svc, err := micro.AddService(nc, micro.Config{
		Name:        "athlos-" + cfg.Module,
		Version:     semver(cfg.Version),
		Description: "Athlos " + cfg.Module + " module",
		QueueGroup:  "athlos-" + cfg.Module,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: add service %s: %w", cfg.Module, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{nc: nc, svc: svc, cfg: cfg, sem: make(chan struct{}, cfg.Concurrency),
		logger: logger.With("module", cfg.Module), started: time.Now().UTC(), ctx: ctx, cancel: cancel}
	s.failed = lograte.New(s.logger, "rpc handler failed")
	s.unavailable = lograte.New(s.logger, "rpc handler unavailable")
	host, _ := os.Hostname()
	instance := host + "/" + svc.Info().ID
	err = s.HandleInline("status.get", func(context.Context, *Msg) ([]byte, error) {
		return json.Marshal(ModuleStatus{Module: cfg.Module, Instance: instance, Version: cfg.Version,
			StartedAt: s.started, UptimeS: time.Since(s.started).Seconds()})
	})
	if err != nil {
		_ = svc.Stop()
		return nil, err
	}
	return s, nil
}

// Handle serves op ("<entity>.<verb>") at rpc.<module>.<op>. Requests run
// concurrently, each on a goroutine of its own, up to the service's
// concurrency.
func (s *Service) Handle(op string, h HandlerFunc) error {
	subject := RPCSubject(s.cfg.Module, op)
	return s.addEndpoints(op, 1, func(ctx context.Context) micro.Handler {
		return micro.HandlerFunc(func(r micro.Request) {
			s.sem <- struct{}{}
			go s.serve(ctx, subject, h, r)
		})
	})
}

// HandleSubjects serves each handler of hs on its subject (HandleSubject).
func (s *Service) HandleSubjects(hs map[string]HandlerFunc) error {
	for subject, h := range hs {
		if err := s.HandleSubject(subject, h); err != nil {
			return err
		}
	}
	return nil
}

// HandleSubject serves the RPC subject (an api package's Subject…
// constant, rpc.<module>.<op>) like Handle, so that an operation's name and
// its declared subject cannot drift. A subject of another module is an
// error.
func (s *Service) HandleSubject(subject string, h HandlerFunc) error {
	op, err := s.opOf(subject)
	if err != nil {
		return err
	}
	return s.Handle(op, h)
}

func (s *Service) opOf(subject string) (string, error) {
	prefix := RPCSubject(s.cfg.Module, "")
	op, ok := strings.CutPrefix(subject, prefix)
	if !ok || op == "" {
		return "", fmt.Errorf("bus: service %s: %q is not one of its subjects (%s<op>)", s.cfg.Module, subject, prefix)
	}
	return op, nil
}

// HandleInline serves op like Handle, for a handler that never blocks (no
// I/O, no waiting: a status, an in-memory lookup). A request is handled on
// the goroutine that received it, with no goroutine started for it, which
// saves a hand-off per request. The operation gets InlineEndpoints
// endpoints in the module's queue group, each handling one request at a
// time, so that many requests run at once in this process; a handler that
// blocks would stall the requests queued behind it.
func (s *Service) HandleInline(op string, h HandlerFunc) error {
	subject := RPCSubject(s.cfg.Module, op)
	return s.addEndpoints(op, InlineEndpoints(), func(ctx context.Context) micro.Handler {
		return micro.HandlerFunc(func(r micro.Request) {
			s.sem <- struct{}{}
			s.serve(ctx, subject, h, r)
		})
	})
}

// InlineEndpoints is how many endpoints HandleInline gives an operation:
// twice GOMAXPROCS, at least 2.
func InlineEndpoints() int { return max(2, 2*runtime.GOMAXPROCS(0)) }

// addEndpoints adds n endpoints serving op, named op, op_1, op_2, ... Each
// gets its own child of the service's context, from which the contexts of
// its requests derive: Stop still cancels them all, and concurrent requests
// do not contend on the one lock of the service's context.
func (s *Service) addEndpoints(op string, n int, handler func(ctx context.Context) micro.Handler) error {
	subject := RPCSubject(s.cfg.Module, op)
	name := strings.ReplaceAll(op, ".", "_")
	for i := range n {
		ename := name
		if i > 0 {
			ename = name + "_" + strconv.Itoa(i)
		}
		ctx, cancel := context.WithCancel(s.ctx)
		s.mu.Lock()
		s.cancels = append(s.cancels, cancel)
		s.mu.Unlock()
		if err := s.svc.AddEndpoint(ename, handler(ctx), micro.WithEndpointSubject(subject)); err != nil {
			return fmt.Errorf("bus: add endpoint %s: %w", subject, err)
		}
	}
	// Make the server know the subscriptions before returning, so a
	// request sent right after finds a responder.
	if err := s.nc.FlushTimeout(5 * time.Second); err != nil {
		return fmt.Errorf("bus: add endpoint %s: flush: %w", subject, err)
	}
	return nil
}

func (s *Service) serve(parent context.Context, subject string, h HandlerFunc, r micro.Request) {
	defer func() { <-s.sem }()
	hdr := nats.Header(r.Headers())
	deadline := time.Now().Add(s.cfg.Timeout)
	if ms, err := strconv.ParseInt(hdr.Get(HeaderDeadline), 10, 64); err == nil && ms < deadline.UnixMilli() {
		deadline = time.UnixMilli(ms)
	}
	ctx, cancel := context.WithDeadline(parent, deadline)
	defer cancel()
	if id := hdr.Get(HeaderRequestID); id != "" {
		ctx = WithRequestID(ctx, id)
	}
	ctx = callerFromHeader(ctx, hdr)
	msg := &Msg{Subject: subject, Data: r.Data(), Header: hdr}
	ctx = withKeyedRequest(ctx, msg)
	out, err := s.call(ctx, h, msg)
	if err != nil {
		be := AsError(err)
		switch be.Code {
		case CodeInternal:
			s.failed.Fail(ctx, slog.LevelError, "subject", subject, "request_id", RequestID(ctx), "err", err)
		case CodeUnavailable:
			s.unavailable.Fail(ctx, slog.LevelWarn, "subject", subject, "request_id", RequestID(ctx), "err", err)
		}
		data, _ := json.Marshal(be)
		if rerr := r.Error(string(be.Code), be.Message, data); rerr != nil {
			s.logger.Warn("rpc error reply failed", "subject", subject, "err", rerr)
		}
		return
	}
	if rerr := r.Respond(out); rerr != nil {
		s.logger.Warn("rpc reply failed", "subject", subject, "err", rerr)
	}
}

// call runs h, turning a panic into an internal error so one bad request
// never takes the process down.
func (s *Service) call(ctx context.Context, h HandlerFunc, m *Msg) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("rpc handler panicked", "subject", m.Subject, "panic", p, "stack", string(debug.Stack()))
			err = &Error{Code: CodeInternal, Message: "internal error"}
		}
	}()
	return h(ctx, m)
}

// Stop unsubscribes the endpoints (so other processes take the load),
// waits for requests in flight, then cancels what is left.
func (s *Service) Stop(ctx context.Context) error {
	err := s.svc.Stop()
	for i := 0; i < cap(s.sem); i++ {
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			s.cancelAll()
			return errors.Join(err, ctx.Err())
		}
	}
	s.cancelAll()
	return err
}

// cancelAll cancels the service's context, hence every request's.
func (s *Service) cancelAll() {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cancels {
		c()
	}
}

// semver makes a build version acceptable to micro, which wants semver.
func semver(v string) string {
	v = strings.TrimPrefix(v, "v")
	if v == "" || v == "dev" || !strings.ContainsAny(v[:1], "0123456789") {
		return "0.0.0-dev"
	}
	return v
}
