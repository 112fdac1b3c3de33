package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/gateway"
)

// --- a test-only module -----------------------------------------------------

type createThingInput struct {
	Body struct {
		Name  string `json:"name" minLength:"1" maxLength:"20"`
		Count int    `json:"count" minimum:"1" maximum:"10"`
		Note  string `json:"note,omitempty"`
	}
}

type thing struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type thingOutput struct {
	Body thing
}

type getThingInput struct {
	ID    string `path:"id"`
	Limit int    `query:"limit" minimum:"1" maximum:"100" default:"10"`
}

const rawReply = `{"b":1,  "a":[2],"c":"\u00e9"}`

var errSecret = errors.New("pq: password authentication failed for user athlos at 10.0.0.5")

func thingRoutes(a huma.API) {
	huma.Register(a, huma.Operation{
		OperationID: "create-thing", Method: http.MethodPost, Path: "/v1/things", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusConflict}, // makes huma document its validation errors (as 422, which the front turns to 400)
	}, func(ctx context.Context, in *createThingInput) (*thingOutput, error) {
		return &thingOutput{Body: thing{ID: "t1", Name: in.Body.Name, Count: in.Body.Count}}, nil
	})
	huma.Register(a, httpkit.DocumentRaw[thing](a, huma.Operation{
		OperationID: "get-thing", Method: http.MethodGet, Path: "/v1/things/{id}",
	}), func(ctx context.Context, in *getThingInput) (*httpkit.RawJSON, error) {
		switch in.ID {
		case "raw":
			return httpkit.JSON([]byte(rawReply)), nil
		case "unavailable":
			e := bus.Errorf(bus.CodeUnavailable, "training is not running")
			e.RetryAfter = 5
			return nil, httpkit.Problem(e)
		case "missing":
			return nil, httpkit.Problem(bus.Errorf(bus.CodeNotFound, "no such thing"))
		case "bare-bus": // a *bus.Error returned without httpkit.Problem, wrapped
			return nil, fmt.Errorf("rpc: %w", bus.Invalid("query.cursor", "malformed cursor"))
		case "remote-internal":
			return nil, httpkit.Problem(bus.Errorf(bus.CodeInternal, "remote stack trace at /srv/x.go:12"))
		case "secret":
			return nil, errSecret
		case "secret-problem":
			return nil, httpkit.Problem(errSecret)
		case "huma404":
			return nil, huma.Error404NotFound("thing is gone")
		case "slow":
			<-ctx.Done() // as an RPC made with ctx would
			return nil, httpkit.Problem(ctx.Err())
		case "slow-bare":
			<-ctx.Done()
			return nil, ctx.Err()
		case "panic":
			panic("kaboom " + errSecret.Error())
		case "rid":
			return httpkit.JSON([]byte(`{"request_id":"` + httpkit.RequestID(ctx) + `"}`)), nil
		}
		return httpkit.JSON([]byte(`{"id":"` + in.ID + `","name":"x","count":1}`)), nil
	})
}

// --- helpers ------------------------------------------------------------------

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log records written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	front *gateway.Front
	reg   *prometheus.Registry
	logs  *syncBuffer
}

func newFixture(t *testing.T, cfg gateway.FrontConfig, checks ...gateway.Check) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := prometheus.NewRegistry()
	f, err := gateway.New(cfg, logger, reg, checks, []httpkit.Routes{httpkit.RoutesFunc(thingRoutes)})
	require.NoError(t, err)
	return &fixture{front: f, reg: reg, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t *testing.T) map[string]any {
	t.Helper()
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), string(r.body))
	assert.EqualValues(t, r.status, m["status"], "status in body")
	assert.Equal(t, http.StatusText(r.status), m["title"])
	assert.Equal(t, r.header.Get("X-Request-ID"), m["request_id"], "request id in body and header")
	assert.NotEmpty(t, m["code"])
	return m
}

func (fx *fixture) do(t *testing.T, method, path, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := fx.front.App().Test(req, 5000)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func fieldErrors(t *testing.T, p map[string]any) []map[string]any {
	t.Helper()
	raw, ok := p["errors"].([]any)
	require.True(t, ok, "errors[] present: %v", p)
	out := make([]map[string]any, 0, len(raw))
	for _, e := range raw {
		out = append(out, e.(map[string]any))
	}
	return out
}

// --- tests ----------------------------------------------------------------------

func TestCreateThingOK(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	r := fx.do(t, http.MethodPost, "/v1/things", `{"name":"bike","count":2}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.JSONEq(t, `{"id":"t1","name":"bike","count":2}`, string(r.body), "no $schema field added")
	assert.Empty(t, r.header.Get("Link"))
}

func TestBadInputIs400ProblemWithFields(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})

	t.Run("malformed JSON", func(t *testing.T) {
		r := fx.do(t, http.MethodPost, "/v1/things", `{"name": "bike", "password": "hunter2"`)
		require.Equal(t, http.StatusBadRequest, r.status)
		p := r.problem(t)
		assert.Equal(t, "invalid", p["code"])
		errs := fieldErrors(t, p)
		require.Len(t, errs, 1)
		assert.Equal(t, "body", errs[0]["field"])
		assert.NotEmpty(t, errs[0]["reason"])
		assert.NotContains(t, string(r.body), "hunter2", "the body is not echoed")
	})
	t.Run("missing field", func(t *testing.T) {
		r := fx.do(t, http.MethodPost, "/v1/things", `{"count":3}`)
		require.Equal(t, http.StatusBadRequest, r.status)
		p := r.problem(t)
		assert.Equal(t, "invalid", p["code"])
		errs := fieldErrors(t, p)
		require.Len(t, errs, 1)
		assert.Equal(t, "body.name", errs[0]["field"])
		assert.Equal(t, "required property is missing", errs[0]["reason"])
		assert.NotContains(t, errs[0], "value")
	})
	t.Run("out of range field", func(t *testing.T) {
		r := fx.do(t, http.MethodPost, "/v1/things", `{"name":"bike","count":11}`)
		require.Equal(t, http.StatusBadRequest, r.status)
		errs := fieldErrors(t, r.problem(t))
		require.Len(t, errs, 1)
		assert.Equal(t, "body.count", errs[0]["field"])
		assert.Contains(t, errs[0]["reason"], "10")
		assert.EqualValues(t, 11, errs[0]["value"])
	})
	t.Run("several bad fields", func(t *testing.T) {
		r := fx.do(t, http.MethodPost, "/v1/things", `{"name":"","count":0}`)
		require.Equal(t, http.StatusBadRequest, r.status)
		var fields []string
		for _, e := range fieldErrors(t, r.problem(t)) {
			fields = append(fields, e["field"].(string))
		}
		assert.ElementsMatch(t, []string{"body.name", "body.count"}, fields)
	})
	t.Run("out of range query parameter", func(t *testing.T) {
		r := fx.do(t, http.MethodGet, "/v1/things/abc?limit=1000", "")
		require.Equal(t, http.StatusBadRequest, r.status)
		errs := fieldErrors(t, r.problem(t))
		require.Len(t, errs, 1)
		assert.Equal(t, "query.limit", errs[0]["field"])
	})
	t.Run("empty body", func(t *testing.T) {
		r := fx.do(t, http.MethodPost, "/v1/things", "")
		require.Equal(t, http.StatusBadRequest, r.status)
		assert.Equal(t, "invalid", r.problem(t)["code"])
	})
	t.Run("bus invalid error returned bare", func(t *testing.T) {
		r := fx.do(t, http.MethodGet, "/v1/things/bare-bus", "")
		require.Equal(t, http.StatusBadRequest, r.status)
		p := r.problem(t)
		assert.Equal(t, "invalid input", p["detail"])
		errs := fieldErrors(t, p)
		require.Len(t, errs, 1)
		assert.Equal(t, "query.cursor", errs[0]["field"])
		assert.Equal(t, "malformed cursor", errs[0]["reason"])
	})
}

func TestUnknownRouteIs404Problem(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	r := fx.do(t, http.MethodGet, "/v1/nope/<script>", "")
	require.Equal(t, http.StatusNotFound, r.status)
	p := r.problem(t)
	assert.Equal(t, "not_found", p["code"])
	assert.NotContains(t, string(r.body), "script", "the path is not reflected")
}

func TestWrongMethodIs405Problem(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	r := fx.do(t, http.MethodDelete, "/v1/things", "")
	require.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "method_not_allowed", r.problem(t)["code"])
	assert.Contains(t, r.header.Values("Allow"), http.MethodPost)

	r = fx.do(t, http.MethodPut, "/v1/things/abc", `{}`)
	require.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Contains(t, r.header.Values("Allow"), http.MethodGet)
}

// Bodies are streamed: an operation reads at most BodyLimit (unless it sets
// its own limit) and answers 413; the connection is then closed, as the rest
// of the body was not read. Through a real listener.
func TestOversizedBodyIs413Problem(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{Addr: "127.0.0.1:0", BodyLimit: 1024})
	require.NoError(t, fx.front.Start(context.Background()))
	t.Cleanup(func() { _ = fx.front.Stop(context.Background()) })
	url := "http://" + fx.front.Addr() + "/v1/things"

	post := func(body string) response {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-ID", "big-1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return response{status: resp.StatusCode, header: resp.Header, body: b}
	}

	r := post(`{"name":"bike","count":1,"note":"` + strings.Repeat("x", 4096) + `"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status, string(r.body))
	p := r.problem(t)
	assert.Equal(t, "too_large", p["code"])
	assert.Equal(t, "big-1", p["request_id"])
	assert.Equal(t, "the request body exceeds 1024 bytes", p["detail"])

	// Refused before routing (it declares more than any operation takes),
	// but still counted and logged.
	assert.Contains(t, scrape(t, fx), `athlos_http_requests_total{method="POST",route="unmatched",status="413"} 1`)
	assert.Contains(t, fx.logs.String(), `"request_id":"big-1"`)

	// Under the limit is fine.
	r = post(`{"name":"bike","count":1,"note":"` + strings.Repeat("x", 100) + `"}`)
	require.Equal(t, http.StatusCreated, r.status, string(r.body))

	// A compressed body, or one without a length, is refused unread.
	send := func(req *http.Request) int {
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"name":"bike","count":1}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	assert.Equal(t, http.StatusUnsupportedMediaType, send(req))
	req, err = http.NewRequest(http.MethodPost, url, io.MultiReader(strings.NewReader(`{"name":"bike","count":1}`)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1 // chunked
	assert.Equal(t, http.StatusLengthRequired, send(req))
}

// huma's own per-operation limit (Operation.MaxBodyBytes) answers the same way.
func TestOperationBodyLimitIs413Problem(t *testing.T) {
	small := httpkit.RoutesFunc(func(a huma.API) {
		huma.Register(a, huma.Operation{
			OperationID: "small", Method: http.MethodPost, Path: "/v1/small", MaxBodyBytes: 64,
		}, func(ctx context.Context, in *createThingInput) (*struct{}, error) { return nil, nil })
	})
	f, err := gateway.New(gateway.FrontConfig{}, nil, nil, nil, []httpkit.Routes{small})
	require.NoError(t, err)
	fx := &fixture{front: f}
	r := fx.do(t, http.MethodPost, "/v1/small", `{"name":"bike","count":1,"note":"`+strings.Repeat("x", 100)+`"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.Equal(t, "too_large", r.problem(t)["code"])
}

func TestBusErrorsMapToProblems(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})

	r := fx.do(t, http.MethodGet, "/v1/things/unavailable", "", "X-Request-ID", "unavail-1")
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	p := r.problem(t)
	assert.Equal(t, "unavailable", p["code"])
	assert.Equal(t, "training is not running", p["detail"])
	assert.Equal(t, "5", r.header.Get("Retry-After"))
	for _, l := range fx.logs.lines(t) {
		if l["request_id"] == "unavail-1" {
			assert.Equal(t, "WARN", l["level"], "a missing dependency is a warning, not an error")
		}
	}

	r = fx.do(t, http.MethodGet, "/v1/things/missing", "")
	require.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "not_found", r.problem(t)["code"])

	r = fx.do(t, http.MethodGet, "/v1/things/huma404", "")
	require.Equal(t, http.StatusNotFound, r.status)
	p = r.problem(t)
	assert.Equal(t, "not_found", p["code"])
	assert.Equal(t, "thing is gone", p["detail"])
}

func TestInternalErrorsHideDetails(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	for _, id := range []string{"secret", "secret-problem", "remote-internal", "panic"} {
		t.Run(id, func(t *testing.T) {
			r := fx.do(t, http.MethodGet, "/v1/things/"+id, "", "X-Request-ID", "req-"+id)
			require.Equal(t, http.StatusInternalServerError, r.status)
			p := r.problem(t)
			assert.Equal(t, "internal", p["code"])
			assert.Equal(t, "internal error", p["detail"])
			assert.NotContains(t, string(r.body), "password")
			assert.NotContains(t, string(r.body), "stack")
			assert.NotContains(t, string(r.body), "kaboom")
		})
	}
	// The operator sees the cause in the access log line, with the request id.
	var found bool
	for _, l := range fx.logs.lines(t) {
		if l["request_id"] == "req-secret" && l["msg"] == "http request" {
			found = true
			assert.Equal(t, "ERROR", l["level"])
			assert.Equal(t, errSecret.Error(), l["error"])
		}
	}
	assert.True(t, found, "access log line with the cause: %s", fx.logs.String())
}

func TestRequestTimeoutIsProblem(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{RequestTimeout: 100 * time.Millisecond})
	for _, id := range []string{"slow", "slow-bare"} {
		start := time.Now()
		r := fx.do(t, http.MethodGet, "/v1/things/"+id, "")
		require.Equal(t, http.StatusGatewayTimeout, r.status, string(r.body))
		assert.Equal(t, "timeout", r.problem(t)["code"])
		assert.Less(t, time.Since(start), 4*time.Second)
	}
}

func TestRequestID(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})

	t.Run("given", func(t *testing.T) {
		r := fx.do(t, http.MethodGet, "/v1/things/rid", "", "X-Request-ID", "client-abc-123")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "client-abc-123", r.header.Get("X-Request-ID"))
		assert.JSONEq(t, `{"request_id":"client-abc-123"}`, string(r.body), "handler context carries it")
	})
	t.Run("generated", func(t *testing.T) {
		r1 := fx.do(t, http.MethodGet, "/v1/things/rid", "")
		r2 := fx.do(t, http.MethodGet, "/v1/things/rid", "")
		id1, id2 := r1.header.Get("X-Request-ID"), r2.header.Get("X-Request-ID")
		u, err := uuid.Parse(id1)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(4), u.Version())
		assert.NotEqual(t, id1, id2)
		assert.JSONEq(t, `{"request_id":"`+id1+`"}`, string(r1.body))
	})
	t.Run("insane ones are replaced", func(t *testing.T) {
		for _, bad := range []string{strings.Repeat("a", 129), "has space", "tab\tbed", "é"} {
			r := fx.do(t, http.MethodGet, "/livez", "", "X-Request-ID", bad)
			got := r.header.Get("X-Request-ID")
			_, err := uuid.Parse(got)
			assert.NoError(t, err, "%q replaced by a uuid, got %q", bad, got)
		}
		r := fx.do(t, http.MethodGet, "/livez", "", "X-Request-ID", strings.Repeat("a", 128))
		assert.Equal(t, strings.Repeat("a", 128), r.header.Get("X-Request-ID"))
	})
	t.Run("in the access log", func(t *testing.T) {
		fx.do(t, http.MethodGet, "/v1/things/abc", "", "X-Request-ID", "log-me")
		var line map[string]any
		for _, l := range fx.logs.lines(t) {
			if l["request_id"] == "log-me" {
				line = l
			}
		}
		require.NotNil(t, line, fx.logs.String())
		assert.Equal(t, "http request", line["msg"])
		assert.Equal(t, "GET", line["method"])
		assert.Equal(t, "/v1/things/{id}", line["route"])
		assert.EqualValues(t, 200, line["status"])
		assert.Contains(t, line, "duration")
	})
}

func TestReadyzFollowsChecks(t *testing.T) {
	var dbErr atomic.Pointer[error]
	db := gateway.Check{Name: "db", Fn: func(ctx context.Context) error {
		if p := dbErr.Load(); p != nil {
			return *p
		}
		return nil
	}}
	nats := gateway.Check{Name: "nats", Fn: func(ctx context.Context) error { return nil }}
	fx := newFixture(t, gateway.FrontConfig{}, db, nats)

	r := fx.do(t, http.MethodGet, "/readyz", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.JSONEq(t, `{"status":"ready","checks":{"db":"ok","nats":"ok"}}`, string(r.body))

	e := errors.New("dial tcp 10.1.2.3:5432: connection refused")
	dbErr.Store(&e)
	r = fx.do(t, http.MethodGet, "/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	p := r.problem(t)
	assert.Equal(t, "unavailable", p["code"])
	assert.Equal(t, "not ready: db", p["detail"])
	assert.Equal(t, map[string]any{"db": "failed", "nats": "ok"}, p["checks"])
	assert.NotContains(t, string(r.body), "10.1.2.3", "check errors are logged, not sent")
	assert.Contains(t, fx.logs.String(), "10.1.2.3")

	dbErr.Store(nil)
	r = fx.do(t, http.MethodGet, "/readyz", "")
	require.Equal(t, http.StatusOK, r.status)

	// A check added later counts too.
	require.NoError(t, fx.front.AddCheck(gateway.Check{Name: "migrations", Fn: func(ctx context.Context) error {
		return errors.New("version 3 pending")
	}}))
	r = fx.do(t, http.MethodGet, "/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "not ready: migrations", r.problem(t)["detail"])
	require.Error(t, fx.front.AddCheck(gateway.Check{Name: "nameless-fn"}))

	r = fx.do(t, http.MethodGet, "/livez", "")
	require.Equal(t, http.StatusOK, r.status)
}

func scrape(t *testing.T, fx *fixture) string {
	t.Helper()
	r := fx.do(t, http.MethodGet, "/metrics", "")
	require.Equal(t, http.StatusOK, r.status)
	return string(r.body)
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	fx.do(t, http.MethodGet, "/v1/things/abc", "")
	fx.do(t, http.MethodGet, "/v1/things/def", "")
	fx.do(t, http.MethodGet, "/v1/things/missing", "")
	fx.do(t, http.MethodGet, "/no/such/route", "")
	fx.do(t, http.MethodGet, "/livez", "")

	m := scrape(t, fx)
	assert.Contains(t, m, `athlos_http_requests_total{method="GET",route="/v1/things/{id}",status="200"} 2`)
	assert.Contains(t, m, `athlos_http_requests_total{method="GET",route="/v1/things/{id}",status="404"} 1`)
	assert.Contains(t, m, `athlos_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
	assert.Contains(t, m, `athlos_http_requests_total{method="GET",route="/livez",status="200"} 1`)
	assert.Contains(t, m, `athlos_http_request_duration_seconds_count{method="GET",route="/v1/things/{id}"} 3`)
	assert.NotContains(t, m, "/v1/things/abc")
	assert.NotContains(t, m, "/no/such/route")
}

func TestRawJSONPassesBytesVerbatim(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	r := fx.do(t, http.MethodGet, "/v1/things/raw", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.Equal(t, rawReply, string(r.body), "bytes untouched")
}

func TestOpenAPIAndDocs(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{Version: "1.2.3"})
	r := fx.do(t, http.MethodGet, "/openapi.json", "")
	require.Equal(t, http.StatusOK, r.status)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(r.body, &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	assert.Equal(t, "Athlos API", doc.Info.Title)
	assert.Equal(t, "1.2.3", doc.Info.Version)

	post := doc.Paths["/v1/things"]["post"]
	assert.Contains(t, post.Responses, "400")
	assert.NotContains(t, post.Responses, "422")
	assert.Contains(t, post.Responses["400"].Content, "application/problem+json")

	get := doc.Paths["/v1/things/{id}"]["get"]
	assert.Contains(t, get.Responses["default"].Content, "application/problem+json")
	require.Contains(t, get.Responses, "200")
	assert.Equal(t, "#/components/schemas/Thing", get.Responses["200"].Content["application/json"].Schema["$ref"],
		"DocumentRaw documents the real reply type")

	r = fx.do(t, http.MethodGet, "/openapi.yaml", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), "title: Athlos API")

	r = fx.do(t, http.MethodGet, "/docs", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.header.Get("Content-Type"), "text/html")
}

func TestStartServeStop(t *testing.T) {
	logs := &syncBuffer{}
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	slowRoutes := httpkit.RoutesFunc(func(a huma.API) {
		huma.Get(a, "/v1/hold", func(ctx context.Context, _ *struct{}) (*httpkit.RawJSON, error) {
			arrived <- struct{}{}
			<-release
			return httpkit.JSON([]byte(`{"held":true}`)), nil
		})
	})
	f, err := gateway.New(gateway.FrontConfig{Addr: "127.0.0.1:0"},
		slog.New(slog.NewJSONHandler(logs, nil)), nil, nil, []httpkit.Routes{slowRoutes})
	require.NoError(t, err)
	require.NoError(t, f.Start(context.Background()))
	addr := f.Addr()
	require.NotEmpty(t, addr)
	assert.Contains(t, logs.String(), `"msg":"http front listening","addr":"`+addr+`"`)

	resp, err := http.Get("http://" + addr + "/livez")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A request in flight finishes during a graceful stop.
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/v1/hold")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	select { // the request is in the handler before the stop begins
	case <-arrived:
	case res := <-done:
		t.Fatalf("the held request ended before its release: %+v", res)
	}
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- f.Stop(ctx)
	}()
	time.Sleep(50 * time.Millisecond) // the stop begins (were it later, the request would just end first: a weaker run, never a wrong one)
	close(release)
	res := <-done
	require.NoError(t, res.err)
	assert.Equal(t, http.StatusOK, res.status)
	assert.JSONEq(t, `{"held":true}`, res.body)
	require.NoError(t, <-stopped)

	_, err = http.Get("http://" + addr + "/livez")
	assert.Error(t, err, "no longer listening")
}

func TestNewRejectsBadRoutes(t *testing.T) {
	dup := httpkit.RoutesFunc(func(a huma.API) {
		huma.Get(a, "/dup", func(ctx context.Context, _ *struct{}) (*struct{}, error) { return nil, nil },
			func(o *huma.Operation) { o.OperationID = "same" })
		huma.Get(a, "/dup2", func(ctx context.Context, _ *struct{}) (*struct{}, error) { return nil, nil },
			func(o *huma.Operation) { o.OperationID = "same" })
	})
	_, err := gateway.New(gateway.FrontConfig{}, nil, nil, nil, []httpkit.Routes{dup})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "duplicate operation ID")

	_, err = gateway.New(gateway.FrontConfig{}, nil, nil, []gateway.Check{{Name: "x"}}, nil)
	require.Error(t, err)
}

func TestTwoFrontsShareARegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, err := gateway.New(gateway.FrontConfig{}, nil, reg, nil, nil)
	require.NoError(t, err)
	_, err = gateway.New(gateway.FrontConfig{}, nil, reg, nil, nil)
	require.NoError(t, err)
}

func TestReadyzReportsHangingCheck(t *testing.T) {
	// What was left of the check's deadline when it was called (-1: no
	// deadline); with the request's 200 ms it is never more than 200 ms,
	// however late the check runs, with the 2 s it would be more.
	var left atomic.Int64
	hang := gateway.Check{Name: "jetstream", Fn: func(ctx context.Context) error {
		left.Store(-1)
		if dl, ok := ctx.Deadline(); ok {
			left.Store(int64(time.Until(dl)))
		}
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // reports after the deadline
		return ctx.Err()
	}}
	ok := gateway.Check{Name: "nats", Fn: func(ctx context.Context) error { return nil }}
	// The checks' deadline is the shorter of 2s and the request's own.
	fx := newFixture(t, gateway.FrontConfig{RequestTimeout: 200 * time.Millisecond}, hang, ok)
	r := fx.do(t, http.MethodGet, "/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	p := r.problem(t)
	assert.Equal(t, map[string]any{"jetstream": "timeout", "nats": "ok"}, p["checks"])
	require.NotEqual(t, int64(-1), left.Load(), "the check runs with a deadline")
	assert.LessOrEqual(t, time.Duration(left.Load()), 200*time.Millisecond, "the request's deadline, the shorter")
}

func TestReadyzDuringShutdown(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	require.Equal(t, http.StatusOK, fx.do(t, http.MethodGet, "/readyz", "").status)
	require.NoError(t, fx.front.Stop(context.Background())) // never started: only flips readiness
	r := fx.do(t, http.MethodGet, "/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "shutting down", r.problem(t)["detail"])
	assert.Equal(t, http.StatusOK, fx.do(t, http.MethodGet, "/livez", "").status)
}

// On a stop, the front first drains: it keeps serving, /readyz answers
// 503 and each answer closes its connection, so that a load balancer moves
// traffic away; only then it closes.
func TestStopDrainsBeforeClosing(t *testing.T) {
	// A drain of 3 s: the looks below must fall in it (with 1 s, a loaded
	// runner's looks came after the front had closed).
	f, err := gateway.New(gateway.FrontConfig{Addr: "127.0.0.1:0", DrainPeriod: 3 * time.Second}, nil, nil, nil, nil)
	require.NoError(t, err)
	require.NoError(t, f.Start(context.Background()))
	base := "http://" + f.Addr()
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stopped <- f.Stop(ctx)
	}()
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	}, 5*time.Second, 10*time.Millisecond, "/readyz turns 503 while the front still answers")
	resp, err := http.Get(base + "/livez")
	require.NoError(t, err, "still serving while draining")
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, resp.Close, "the answer closes its connection")
	require.NoError(t, <-stopped)
	_, err = http.Get(base + "/livez")
	assert.Error(t, err, "closed after the drain")
}

// A body declared larger than its operation takes is refused from its head
// alone, whoever sends it and whatever its type: nothing of it is read
// (fasthttp used to wait for its first kilobytes, 30 s for a client that
// sent none, and read a multipart body whole into temporary files before
// any route ran).
func TestDeclaredBodyTooLargeIsRefusedUnread(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{Addr: "127.0.0.1:0", BodyLimit: 1024})
	require.NoError(t, fx.front.Start(context.Background()))
	t.Cleanup(func() { _ = fx.front.Stop(context.Background()) })
	for _, c := range []struct {
		path, contentType string
		length            int64
	}{
		{"/v1/things", "application/json", 1_000_000_000_000},
		{"/v1/things", "multipart/form-data; boundary=x", 20 << 20},
		{"/v1/things", "application/json", 2048},
		{"/livez", "application/json", 100 << 20},
		{"/v1/nowhere", "multipart/form-data; boundary=x", 1 << 20},
	} {
		conn, err := net.Dial("tcp", fx.front.Addr())
		require.NoError(t, err)
		// Far less than the front's 30 s read timeout.
		require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
		_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n--x\r\n",
			c.path, c.contentType, c.length)
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "%s %d: answered at once", c.path, c.length)
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "%s %d", c.path, c.length)
		assert.True(t, resp.Close, "the connection closes: the body was not read")
		_ = conn.Close()
	}
	// A client's own marker header means nothing.
	r := fx.do(t, http.MethodPost, "/v1/things", `{"name":"bike","count":1}`, "X-Athlos-Body-Refused", "1")
	assert.Equal(t, http.StatusCreated, r.status)
}

// Behind a trusted proxy the operations see the client's address from
// X-Forwarded-For; from anyone else the header is not believed.
func TestClientAddressBehindATrustedProxy(t *testing.T) {
	whoami := httpkit.RoutesFunc(func(a huma.API) {
		huma.Get(a, "/v1/whoami", func(ctx context.Context, _ *struct{}) (*httpkit.RawJSON, error) {
			return httpkit.JSON([]byte(`{"ip":"` + httpkit.ClientIP(ctx) + `"}`)), nil
		})
	})
	for _, c := range []struct {
		trusted []string
		want    string
	}{
		{[]string{"loopback"}, "198.51.100.7"},
		{nil, "127.0.0.1"},
		{[]string{"10.0.0.0/8"}, "127.0.0.1"},
	} {
		proxies, err := gateway.ParseTrustedProxies(c.trusted)
		require.NoError(t, err)
		f, err := gateway.New(gateway.FrontConfig{Addr: "127.0.0.1:0", TrustedProxies: proxies}, nil, nil, nil, []httpkit.Routes{whoami})
		require.NoError(t, err)
		require.NoError(t, f.Start(context.Background()))
		req, err := http.NewRequest(http.MethodGet, "http://"+f.Addr()+"/v1/whoami", nil)
		require.NoError(t, err)
		req.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.7")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.JSONEq(t, `{"ip":"`+c.want+`"}`, string(body), "%v", c.trusted)
		require.NoError(t, f.Stop(context.Background()))
	}
}
