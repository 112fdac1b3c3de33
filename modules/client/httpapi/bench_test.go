package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
)

// worker sends one prepared request per call on its own keep-alive
// connection and expects want.
func worker(addr, method, path, token, body string, want int) loadgen.Func {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: 1, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	req := fasthttp.AcquireRequest()
	req.SetRequestURI("http://" + addr + path)
	req.Header.SetMethod(method)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.SetContentType("application/json")
		req.SetBodyString(body)
	}
	resp := fasthttp.AcquireResponse()
	return func() error {
		if err := hc.Do(req, resp); err != nil {
			return err
		}
		if resp.StatusCode() != want {
			return fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode(), resp.Body())
		}
		return nil
	}
}

func report(b *testing.B, name string, r *loadgen.Result) {
	b.ReportMetric(r.Throughput(), "req/s")
	b.ReportMetric(float64(r.Latency.Quantile(0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(r.Latency.Quantile(0.99).Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: %.0f req/s, p50 %v, p99 %v, errors %d", name, r.Throughput(), r.Latency.Quantile(0.5), r.Latency.Quantile(0.99), r.Errors)
}

// BenchmarkGetMe is GET /v1/me at saturation: token check at the front,
// forward over NATS, a primary-key read in PostgreSQL, the reply passed
// through. Run: go test ./modules/client/httpapi -run '^$' -bench GetMe -benchtime 1x
func BenchmarkGetMe(b *testing.B) {
	a := apptest.Start(b, "client")
	addr := strings.TrimPrefix(a.BaseURL, "http://")
	var workers []loadgen.Func
	for i := 0; i < 32; i++ {
		tok := a.SignUp(fmt.Sprintf("u%d@example.com", i)).AccessToken
		workers = append(workers, worker(addr, http.MethodGet, "/v1/me", tok, "", http.StatusOK))
	}
	loadgen.Closed(context.Background(), workers, time.Second) // warm-up
	for b.Loop() {
		report(b, "GET /v1/me, 32 connections", loadgen.Closed(context.Background(), workers, 5*time.Second))
	}
}

// BenchmarkLogin is POST /v1/auth/login at saturation: bounded by argon2id
// (19 MiB, t=2) on the module's cores. Run:
// go test ./modules/client/httpapi -run '^$' -bench Login -benchtime 1x
func BenchmarkLogin(b *testing.B) {
	a := apptest.Start(b, "client")
	addr := strings.TrimPrefix(a.BaseURL, "http://")
	var workers []loadgen.Func
	for i := 0; i < 8; i++ {
		email := fmt.Sprintf("u%d@example.com", i)
		a.SignUp(email)
		workers = append(workers, worker(addr, http.MethodPost, "/v1/auth/login", "",
			`{"email":"`+email+`","password":"`+apptest.Password+`"}`, http.StatusOK))
	}
	for b.Loop() {
		report(b, "POST /v1/auth/login, 8 connections", loadgen.Closed(context.Background(), workers, 5*time.Second))
	}
	one := workers[:1]
	report(b, "POST /v1/auth/login, 1 connection", loadgen.Closed(context.Background(), one, 3*time.Second))
}
