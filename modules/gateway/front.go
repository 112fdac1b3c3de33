package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/internal/lograte"
)

// Defaults of Config.
const (
	DefaultAddr           = ":8080"
	DefaultBodyLimit      = 1 << 20 // 1 MiB
	DefaultRequestTimeout = 10 * time.Second

	// humaDefaultBodyBytes is what huma gives an operation that sets no
	// MaxBodyBytes.
	humaDefaultBodyBytes = 1 << 20
	// readyTimeout bounds one run of the readiness checks.
	readyTimeout = 2 * time.Second
)

// FrontConfig configures the HTTP front (New).
type FrontConfig struct {
	// Addr is the TCP address to listen on, e.g. ":8080" or "127.0.0.1:0".
	Addr string
	// BodyLimit is the largest request body accepted, in bytes (default 1 MiB),
	// by an operation that sets no huma.Operation.MaxBodyBytes of its own; a
	// larger body is refused with 413. Bodies are streamed to the operations
	// (fasthttp buffers at most BodyLimit), so an upload operation may allow
	// more without every request being buffered that much.
	BodyLimit int
	// RequestTimeout is the deadline of every request's context (default 10s).
	// Handlers pass that context to their RPCs, which then stop waiting; an
	// error that wraps context.DeadlineExceeded becomes 504 timeout.
	RequestTimeout time.Duration
	// Version is reported in the OpenAPI document (default "dev").
	Version string
	// Verifier checks access tokens for operations whose Security names
	// httpkit.SecurityBearer. Without one, such operations answer 503.
	Verifier httpkit.Verifier
	// AccessLogLevel is the level of the access log line of a request that
	// did not end in a 5xx. A 500 is logged at Error, other 5xx (unavailable,
	// timeout) at least at Warn. The zero value is Info; slog.LevelDebug keeps
	// ordinary requests out of an Info log.
	AccessLogLevel slog.Level
	// DrainPeriod is how long Stop keeps serving with /readyz answering
	// 503 (and every answer closing its connection), so that a load
	// balancer sends no more requests, before the front closes; at most
	// half of the stop's time. Zero closes at once.
	DrainPeriod time.Duration
	// TrustedProxies are the reverse proxies whose forwarding headers
	// name the client (clientIP); none means the peer is the client.
	TrustedProxies TrustedProxies
	// AsyncAPI is the real-time API document (AsyncAPI) that
	// /asyncapi.json serves, to anyone; nil serves none.
	AsyncAPI []byte
	// CORSOrigins are the browser origins allowed to call the API (see
	// ParseCORSOrigins); none means no CORS headers at all.
	CORSOrigins CORSOrigins
	// LiveTilesURL is the tile server URL template ({z}/{x}/{y}) the
	// live-tracking page draws a map with under the track; "" draws none.
	LiveTilesURL string
}

func (c FrontConfig) withDefaults() FrontConfig {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.BodyLimit <= 0 {
		c.BodyLimit = DefaultBodyLimit
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	return c
}

// Check is one readiness check, run by /readyz. Fn gets a context with a
// short deadline and returns nil when the dependency it checks is usable.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Front is the HTTP front: fiber with huma on top, problem+json errors,
// request ids, access log, metrics, /livez, /readyz and /metrics.
type Front struct {
	cfg     FrontConfig
	log     *slog.Logger
	app     *fiber.App
	api     huma.API
	metrics *httpMetrics
	routes  routeTemplates
	// cors answers preflights and marks cross-origin answers; nil
	// without Config.CORSOrigins.
	cors fiber.Handler

	// maxBody is the largest body any operation takes: a request that
	// declares more is refused before it is read, and no body is read
	// past it (multipart forms are parsed outside huma's own limit).
	maxBody int64
	// limits are the operations' body limits, by method and path
	// template (bodyLimit).
	limits []routeLimit

	stopping atomic.Bool
	// failed logs answers of 500, unavailable the other 5xx, notReady
	// failed readiness checks, each kind a few lines a minute (package
	// lograte): an outage's 503s do not hide a bug's 500.
	failed      *lograte.Failures
	unavailable *lograte.Failures
	notReady    sync.Map // check name → *lograte.Failures

	mu     sync.Mutex
	ln     net.Listener
	served chan struct{}
	checks []Check
}

// New builds the front and registers the routes of every module on it. It
// does not listen; Start does. logger and reg may be nil (nothing is logged;
// metrics go to a private registry).
func New(cfg FrontConfig, logger *slog.Logger, reg *prometheus.Registry, checks []Check, routes []httpkit.Routes) (*Front, error) {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	installHumaErrors()

	m, err := newHTTPMetrics(reg)
	if err != nil {
		return nil, err
	}
	f := &Front{
		cfg:         cfg,
		log:         logger,
		checks:      append([]Check(nil), checks...),
		metrics:     m,
		failed:      lograte.New(logger, "http request"),
		unavailable: lograte.New(logger, "http request unavailable"),
	}
	for _, c := range f.checks {
		if err := validCheck(c); err != nil {
			return nil, err
		}
	}
	origins, err := ParseCORSOrigins(cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	f.cors = newCORS(origins)

	f.app = fiber.New(fiber.Config{
		ErrorHandler:          f.errorHandler,
		BodyLimit:             cfg.BodyLimit,
		StreamRequestBody:     true,
		DisableStartupMessage: true,
		// Strings that fiber hands out (path params, query, headers) are
		// copies, so huma input structs stay valid after the request: a
		// couple of small allocations for safety in every module's handlers.
		Immutable: true,
		// Headers up to 8 KiB (access tokens, cookies); more is 431.
		ReadBufferSize: 8 << 10,
		ReadTimeout:    30 * time.Second,
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    120 * time.Second,
		// fasthttp would read a multipart body whole (into temporary
		// files) before any handler ran, whatever the route; the one
		// operation that takes one parses it itself, within its limit.
		DisablePreParseMultipartForm: true,
		// Path parameters are decoded: a client that escapes a path
		// segment (openapi-fetch sends ":" as %3A) names the same id as
		// one that does not.
		UnescapePath: true,
	})
	// A body declared larger than its operation takes is refused before a
	// byte of it is read (refuseUnreadBody).
	f.app.Server().HeaderReceived = f.refuseUnreadBody
	// The one middleware: registered first, so it wraps everything below.
	f.app.Use(f.serve)
	f.app.Get("/livez", f.livez)
	f.app.Get("/readyz", f.readyz)
	f.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	if doc := cfg.AsyncAPI; doc != nil {
		f.app.Get("/asyncapi.json", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, "application/json")
			return c.Send(doc)
		})
	}

	hc := huma.DefaultConfig("Athlos API", cfg.Version)
	// huma's own docs page loads its script from a CDN: ours serves a
	// vendored build from the binary (docs.go).
	hc.DocsPath = ""
	docs, err := newDocsUI(hc.Info.Title+" Reference", hc.OpenAPIPath+".json")
	if err != nil {
		return nil, err
	}
	docs.mount(f.app)
	live, err := newLivePage(cfg.LiveTilesURL)
	if err != nil {
		return nil, err
	}
	live.mount(f.app)
	// No $schema links in bodies nor Link headers: lean responses.
	hc.CreateHooks = nil
	hc.Transformers = []huma.Transformer{f.transform}
	hc.Info.Description = "The HTTP API of Athlos. Errors are RFC 9457 problem details " +
		"(application/problem+json) with a machine-readable code, the request id and field errors."
	hc.Info.License = &huma.License{Name: "Apache-2.0", Identifier: "Apache-2.0"}
	// Relative to the document: the server that serves it (what the docs
	// page's "Try It" must call); generated clients are given their base
	// URL.
	hc.Servers = []*huma.Server{{URL: "/", Description: "the server that serves this document"}}
	hc.OnAddOperation = append(hc.OnAddOperation, documentBadRequest, documentErrors, documentConditional, documentIdempotency, func(_ *huma.OpenAPI, op *huma.Operation) {
		// Bodies are streamed (StreamRequestBody): each operation reads at
		// most its MaxBodyBytes, BodyLimit unless it sets another (an
		// upload may allow more). huma has set its own default (1 MiB) by
		// now; the handler reads the limit from op, so this applies.
		if op.MaxBodyBytes == 0 || op.MaxBodyBytes == humaDefaultBodyBytes {
			op.MaxBodyBytes = int64(cfg.BodyLimit)
		}
		f.maxBody = max(f.maxBody, op.MaxBodyBytes)
		f.limits = append(f.limits, routeLimit{method: op.Method, path: strings.Split(op.Path, "/"), max: op.MaxBodyBytes})
	})
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		httpkit.SecurityBearer: {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "An access token from /v1/auth/login, /v1/auth/register or /v1/auth/refresh."},
	}
	f.api = humafiber.New(f.app, hc)
	f.api.UseMiddleware(f.authenticate, f.idempotencyKey, f.conditional)

	for _, r := range routes {
		if r == nil {
			continue
		}
		if err := register(f.api, r); err != nil {
			return nil, err
		}
	}
	finishDocument(f.api.OpenAPI())
	return f, nil
}

func register(a huma.API, r httpkit.Routes) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gateway: registering routes of %T: %v", r, p)
		}
	}()
	r.RegisterRoutes(a)
	return nil
}

// documentBadRequest documents huma's validation failures as 400, which is
// what the front answers (see httpkit.NewError), instead of the 422 huma adds to
// an operation that lists its errors in huma's own way (Operation.Errors).
// A 422 the operation documents itself (httpkit.DocumentErrors) stays.
func documentBadRequest(_ *huma.OpenAPI, op *huma.Operation) {
	r, ok := op.Responses["422"]
	if !ok || !slices.Contains(op.Errors, http.StatusUnprocessableEntity) {
		return
	}
	delete(op.Responses, "422")
	if _, ok := op.Responses["400"]; !ok {
		r.Description = http.StatusText(http.StatusBadRequest)
		op.Responses["400"] = r
	}
}

var humaErrorsOnce sync.Once

// installHumaErrors makes huma build every error (validation, malformed
// body, huma.ErrorXXX helpers, handler errors without a status) as an
// httpkit.ProblemDetails, and document lists as never null (the modules send
// [] for an empty list; a nullable list becomes a pointer to a slice in
// generated Go clients). huma.NewError and huma.DefaultArrayNullable are
// package variables of huma, so this is process-wide and done once; they
// are the only globals the front touches.
func installHumaErrors() {
	humaErrorsOnce.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return httpkit.NewError(status, msg, errs...)
		}
		huma.DefaultArrayNullable = false
	})
}

func validCheck(c Check) error {
	if c.Name == "" || c.Fn == nil {
		return fmt.Errorf("gateway: readiness check %q needs a name and a function", c.Name)
	}
	return nil
}

// AddCheck adds a readiness check after New, e.g. for a part of the process
// that starts later. It may be called at any time.
func (f *Front) AddCheck(c Check) error {
	if err := validCheck(c); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, c)
	return nil
}

func (f *Front) readinessChecks() []Check {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checks[:len(f.checks):len(f.checks)]
}

// App returns the fiber app, e.g. for app.Test in tests.
func (f *Front) App() *fiber.App { return f.app }

// API returns the huma API, to register more operations before Start.
func (f *Front) API() huma.API { return f.api }

// Addr returns the address the front listens on, "" before Start.
func (f *Front) Addr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ln == nil {
		return ""
	}
	return f.ln.Addr().String()
}

// Start listens on Config.Addr and serves in the background. It returns once
// the listener is open.
func (f *Front) Start(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ln != nil {
		return errors.New("gateway: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", f.cfg.Addr)
	if err != nil {
		return fmt.Errorf("gateway: listen on %s: %w", f.cfg.Addr, err)
	}
	f.ln = ln
	f.stopping.Store(false)
	served := make(chan struct{})
	f.served = served
	go func() {
		defer close(served)
		if err := f.app.Listener(ln); err != nil && !f.stopping.Load() {
			f.log.Error("http front stopped serving", slog.String("error", err.Error()))
		}
	}()
	f.log.Info("http front listening", slog.String("addr", ln.Addr().String()))
	return nil
}

// Stop makes /readyz answer 503, stops accepting connections and waits for
// the requests in flight to finish, or for ctx to end.
func (f *Front) Stop(ctx context.Context) error {
	f.stopping.Store(true)
	f.mu.Lock()
	ln, served := f.ln, f.served
	f.mu.Unlock()
	if ln == nil {
		return nil
	}
	if d := f.drainFor(ctx); d > 0 {
		f.log.Info("http front draining: /readyz answers 503 until it closes", "for", d)
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	err := f.app.ShutdownWithContext(ctx)
	select {
	case <-served:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	f.mu.Lock()
	f.ln, f.served = nil, nil
	f.mu.Unlock()
	if err != nil {
		return fmt.Errorf("gateway: shutdown: %w", err)
	}
	f.log.Info("http front stopped")
	return nil
}

// drainFor is the drain period, cut to half the time ctx leaves.
func (f *Front) drainFor(ctx context.Context) time.Duration {
	d := f.cfg.DrainPeriod
	if deadline, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(deadline)/2)
	}
	return max(d, 0)
}
