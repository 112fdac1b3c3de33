package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules/gateway"
)

// BenchmarkForwarding compares, in one run and on one machine, the smallest
// forwarded operation (GET /v1/status/training: front → NATS →
// rpc.training.status.get → back, the reply bytes passed through) with the
// same handler answered directly by the front (GET /v1/direct/training:
// same huma input, same JSON built in-process, no NATS). Both go through the
// front's middleware (request id, deadline, metrics; access log disabled by
// level) over real TCP on 127.0.0.1, driven by a fasthttp client with
// keep-alive connections in the same process.
//
//	go test ./modules/gateway -run '^$' -bench Forwarding -benchtime=1x -count=1
//
// Sub-benchmarks, each measuring both paths in interleaved rounds (direct,
// forwarded, direct, ...) so that a change in background load hits both:
//
//   - saturation: closed loop on ATHLOS_FWD_CONNS connections (64): req/s of
//     each path and their ratio;
//   - latency-1conn: one connection, one request at a time: p50/p99 of each
//     path and the difference of the p50s (what forwarding adds);
//   - rate: open loop at ATHLOS_FWD_RATE req/s (10000), sends scheduled at
//     fixed times and latency measured from the scheduled time (no
//     coordinated omission): p50/p99 of each path and the p50 difference.
//
// Each path gets ATHLOS_FWD_DURATION (5s) per sub-benchmark, split into
// ATHLOS_FWD_ROUNDS (5) rounds, after a short warm-up. The run is done once
// per benchmark iteration (b.N only repeats it; results are merged), so
// -benchtime=1x gives one run; the default -benchtime also runs it once.
// At the end the whole table of figures is printed in markdown, ready to
// paste into docs/benchmarks.md.
func BenchmarkForwarding(b *testing.B) {
	cfg := forwardConfigFromEnv(b)
	env := newForwardEnv(b)
	var table forwardTable
	table.header = fmt.Sprintf("GOMAXPROCS=%d, NumCPU=%d, %s per path per measurement in %d interleaved rounds; load average before: %s",
		runtime.GOMAXPROCS(0), runtime.NumCPU(), cfg.duration, cfg.rounds, loadAverage())

	b.Run("saturation", func(b *testing.B) {
		direct, fwd := env.compare(b, cfg, func(workers []loadgen.Func, d time.Duration) *loadgen.Result {
			return loadgen.Closed(context.Background(), workers, d)
		}, cfg.conns)
		ratio := fwd.Throughput() / direct.Throughput()
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(direct.Throughput(), "direct-req/s")
		b.ReportMetric(fwd.Throughput(), "fwd-req/s")
		b.ReportMetric(ratio, "fwd/direct")
		table.add(fmt.Sprintf("saturation, %d conns: req/s", cfg.conns),
			fmt.Sprintf("%.0f", direct.Throughput()), fmt.Sprintf("%.0f", fwd.Throughput()),
			fmt.Sprintf("%.2f×", ratio))
		table.add(fmt.Sprintf("saturation, %d conns: p50 / p99", cfg.conns),
			quantiles(direct.Latency), quantiles(fwd.Latency), "")
		table.cpu(fmt.Sprintf("saturation, %d conns", cfg.conns), direct, fwd)
		table.add(fmt.Sprintf("saturation, %d conns: process CPU per request", cfg.conns),
			direct.cpuPerRequest(), fwd.cpuPerRequest(), "")
		b.Log(table.last(4))
	})

	b.Run("latency-1conn", func(b *testing.B) {
		direct, fwd := env.compare(b, cfg, func(workers []loadgen.Func, d time.Duration) *loadgen.Result {
			return loadgen.Closed(context.Background(), workers, d)
		}, 1)
		reportLatency(b, direct, fwd)
		table.add("1 conn, sequential: p50 / p99",
			quantiles(direct.Latency), quantiles(fwd.Latency), overhead(direct, fwd))
		table.add("1 conn, sequential: req/s",
			fmt.Sprintf("%.0f", direct.Throughput()), fmt.Sprintf("%.0f", fwd.Throughput()), "")
		table.cpu("1 conn, sequential", direct, fwd)
		b.Log(table.last(3))
	})

	b.Run("rate", func(b *testing.B) {
		direct, fwd := env.compare(b, cfg, func(workers []loadgen.Func, d time.Duration) *loadgen.Result {
			return loadgen.Open(context.Background(), workers, cfg.rate, d)
		}, cfg.conns)
		reportLatency(b, direct, fwd)
		b.ReportMetric(float64(direct.Lag.Quantile(0.5).Microseconds()), "direct-lag-p50-µs")
		b.ReportMetric(float64(fwd.Lag.Quantile(0.5).Microseconds()), "fwd-lag-p50-µs")
		name := fmt.Sprintf("%.0f req/s, open loop", cfg.rate)
		table.add(name+": p50 / p99", quantiles(direct.Latency), quantiles(fwd.Latency), overhead(direct, fwd))
		table.add(name+": send lag p50 / p99", quantiles(direct.Lag), quantiles(fwd.Lag), "")
		table.cpu(name, direct, fwd)
		b.Log(table.last(3))
	})

	table.footer = "load average after: " + loadAverage()
	// The testing package shows a parent benchmark's log only with -v:
	// print the whole table, ready to paste into docs/benchmarks.md.
	fmt.Printf("\n%s\n", &table)
}

// --- configuration ----------------------------------------------------------

type forwardConfig struct {
	duration time.Duration // per path, per sub-benchmark
	rounds   int
	conns    int
	rate     float64
}

func forwardConfigFromEnv(b *testing.B) forwardConfig {
	cfg := forwardConfig{duration: 5 * time.Second, rounds: 5, conns: 64, rate: 10000}
	if s := os.Getenv("ATHLOS_FWD_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(b, err, "ATHLOS_FWD_DURATION")
		cfg.duration = d
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"ATHLOS_FWD_ROUNDS", &cfg.rounds}, {"ATHLOS_FWD_CONNS", &cfg.conns}} {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			require.NoError(b, err, v.name)
			require.Positive(b, n, v.name)
			*v.dst = n
		}
	}
	if s := os.Getenv("ATHLOS_FWD_RATE"); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		require.NoError(b, err, "ATHLOS_FWD_RATE")
		require.Positive(b, r, "ATHLOS_FWD_RATE")
		cfg.rate = r
	}
	return cfg
}

// --- the system under test -----------------------------------------------------

const (
	forwardedPath = "/v1/status/training"
	directPath    = "/v1/direct/training"
)

type forwardEnv struct {
	addr string
}

// newForwardEnv starts, in this process, an embedded NATS server, the
// training module's RPC service on its own in-process connection (as a
// separate module would have), and the front on 127.0.0.1 with its own
// connection, serving the forwarded and the direct route.
func newForwardEnv(b *testing.B) *forwardEnv {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	nats := bustest.Server(b)
	moduleConn := bustest.Conn(b, nats)
	frontConn := bustest.Conn(b, nats)
	svc, err := bus.NewService(moduleConn.NC, bus.ServiceConfig{Module: "training"}, bustest.Logger(b))
	require.NoError(b, err)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = svc.Stop(ctx)
	})

	// The reply of the module, to give the direct route the same instance
	// string (hence the same body size).
	reply, err := bus.Request(ctx, frontConn.NC, bus.RPCSubject("training", "status.get"), nil, nil)
	require.NoError(b, err)
	var st bus.ModuleStatus
	require.NoError(b, json.Unmarshal(reply, &st))

	// An Info logger with access lines at Debug: ordinary requests are not
	// logged, as the access log would otherwise dominate the figures.
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	front, err := gateway.New(gateway.FrontConfig{Addr: "127.0.0.1:0", AccessLogLevel: slog.LevelDebug},
		logger, prometheus.NewRegistry(), nil,
		[]httpkit.Routes{gateway.StatusRoutes(frontConn.NC), directStatusRoutes(st.Instance, st.Version)})
	require.NoError(b, err)
	require.NoError(b, front.Start(ctx))
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = front.Stop(ctx)
	})
	env := &forwardEnv{addr: front.Addr()}

	// Both routes answer the same kind of body.
	for _, path := range []string{forwardedPath, directPath} {
		code, body, err := fasthttp.Get(nil, "http://"+env.addr+path)
		require.NoError(b, err, path)
		require.Equal(b, http.StatusOK, code, "%s: %s", path, body)
		var got bus.ModuleStatus
		require.NoError(b, json.Unmarshal(body, &got), path)
		require.Equal(b, "training", got.Module, path)
		require.Equal(b, st.Instance, got.Instance, path)
	}
	return env
}

// directStatusInput is the input of the forwarded route, field for field.
type directStatusInput struct {
	Module string `path:"module" enum:"client,training,social,gamification,promo" doc:"module name"`
}

// directStatusRoutes registers GET /v1/direct/{module}, which builds in the
// front what rpc.<module>.status.get builds in the module.
func directStatusRoutes(instance, version string) httpkit.Routes {
	started := time.Now().UTC()
	return httpkit.RoutesFunc(func(a huma.API) {
		huma.Register(a, httpkit.DocumentRaw[bus.ModuleStatus](a, huma.Operation{
			OperationID: "get-module-status-direct",
			Method:      http.MethodGet,
			Path:        "/v1/direct/{module}",
		}), func(ctx context.Context, in *directStatusInput) (*httpkit.RawJSON, error) {
			body, err := json.Marshal(bus.ModuleStatus{Module: in.Module, Instance: instance, Version: version,
				StartedAt: started, UptimeS: time.Since(started).Seconds()})
			if err != nil {
				return nil, httpkit.Problem(err)
			}
			return httpkit.JSON(body), nil
		})
	})
}

// clients returns n workers, each with its own keep-alive connection,
// sending GET path, and a function that closes the connections.
func (e *forwardEnv) clients(path string, n int) ([]loadgen.Func, func()) {
	workers := make([]loadgen.Func, n)
	hcs := make([]*fasthttp.HostClient, n)
	for i := range workers {
		hc := &fasthttp.HostClient{
			Addr:         e.addr,
			MaxConns:     1,
			ReadTimeout:  30 * time.Second,
			WriteTimeout: 30 * time.Second,
		}
		hcs[i] = hc
		req := fasthttp.AcquireRequest()
		req.SetRequestURI("http://" + e.addr + path)
		req.Header.SetMethod(http.MethodGet)
		resp := fasthttp.AcquireResponse()
		workers[i] = func() error {
			if err := hc.Do(req, resp); err != nil {
				return err
			}
			if resp.StatusCode() != http.StatusOK {
				return fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode(), resp.Body())
			}
			return nil
		}
	}
	return workers, func() {
		for _, hc := range hcs {
			hc.CloseIdleConnections()
		}
	}
}

// compare runs the measurement on both paths with conns workers each:
// a warm-up, then cfg.rounds alternating rounds of duration/rounds per path.
// It repeats it b.N times, merging the results.
func (e *forwardEnv) compare(b *testing.B, cfg forwardConfig,
	measure func([]loadgen.Func, time.Duration) *loadgen.Result, conns int,
) (direct, fwd *pathResult) {
	directW, closeDirect := e.clients(directPath, conns)
	defer closeDirect()
	fwdW, closeFwd := e.clients(forwardedPath, conns)
	defer closeFwd()

	warm := min(cfg.duration/10, time.Second)
	measure(directW, warm)
	measure(fwdW, warm)

	direct = &pathResult{Result: loadgen.NewResult()}
	fwd = &pathResult{Result: loadgen.NewResult()}
	slice := cfg.duration / time.Duration(cfg.rounds)
	b.ResetTimer()
	for range b.N {
		for range cfg.rounds {
			direct.run(measure, directW, slice)
			fwd.run(measure, fwdW, slice)
		}
	}
	b.StopTimer()
	for _, r := range []struct {
		name string
		res  *loadgen.Result
	}{{"direct", direct.Result}, {"forwarded", fwd.Result}} {
		if r.res.Errors > 0 || r.res.Unsent > 0 {
			b.Errorf("%s: %d failed, %d unsent of %d; first error: %v",
				r.name, r.res.Errors, r.res.Unsent, r.res.Requests+r.res.Errors+r.res.Unsent, r.res.FirstError)
		}
	}
	return direct, fwd
}

// pathResult is the merged result of one path's rounds, with the CPU time
// the process, and the whole machine, spent during them.
type pathResult struct {
	*loadgen.Result
	cpu, machineCPU time.Duration
}

func (p *pathResult) run(measure func([]loadgen.Func, time.Duration) *loadgen.Result, w []loadgen.Func, d time.Duration) {
	c0, m0 := loadgen.ProcessCPU(), loadgen.MachineCPU()
	p.Merge(measure(w, d))
	p.cpu += loadgen.ProcessCPU() - c0
	p.machineCPU += loadgen.MachineCPU() - m0
}

// cores is how many cores the process (server and load generator
// together) kept busy on average during the path's rounds, and how many
// the whole machine did: the difference is what other processes took.
func (p *pathResult) cores() string {
	if p.Elapsed <= 0 || p.cpu <= 0 {
		return "?"
	}
	s := fmt.Sprintf("%.2f", p.cpu.Seconds()/p.Elapsed.Seconds())
	if p.machineCPU > 0 {
		s += fmt.Sprintf(" (machine %.2f)", p.machineCPU.Seconds()/p.Elapsed.Seconds())
	}
	return s
}

// cpuPerRequest is the process CPU time (server and load generator) per
// answered request: at saturation, the cost of a request, less sensitive
// to other processes than req/s.
func (p *pathResult) cpuPerRequest() string {
	if p.Requests == 0 || p.cpu <= 0 {
		return "?"
	}
	return usString(p.cpu/time.Duration(p.Requests)) + " µs"
}

func reportLatency(b *testing.B, direct, fwd *pathResult) {
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(us(direct.Latency.Quantile(0.5)), "direct-p50-µs")
	b.ReportMetric(us(direct.Latency.Quantile(0.99)), "direct-p99-µs")
	b.ReportMetric(us(fwd.Latency.Quantile(0.5)), "fwd-p50-µs")
	b.ReportMetric(us(fwd.Latency.Quantile(0.99)), "fwd-p99-µs")
	b.ReportMetric(us(fwd.Latency.Quantile(0.5)-direct.Latency.Quantile(0.5)), "overhead-p50-µs")
}

// --- reporting ------------------------------------------------------------------

func quantiles(h *loadgen.Histogram) string {
	return fmt.Sprintf("%s / %s µs", usString(h.Quantile(0.5)), usString(h.Quantile(0.99)))
}

func usString(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 0, 64)
}

func overhead(direct, fwd *pathResult) string {
	d := fwd.Latency.Quantile(0.5) - direct.Latency.Quantile(0.5)
	return fmt.Sprintf("%+.0f µs at p50", float64(d)/float64(time.Microsecond))
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

type forwardTable struct {
	header, footer string
	rows           [][4]string
}

func (t *forwardTable) add(what, direct, fwd, cmp string) {
	t.rows = append(t.rows, [4]string{what, direct, fwd, cmp})
}

// cpu adds the number of cores the process (server and load generator
// together) and the whole machine kept busy during each path's rounds.
func (t *forwardTable) cpu(what string, direct, fwd *pathResult) {
	t.add(what+": cores busy, process (machine)", direct.cores(), fwd.cores(), "")
}

func (t *forwardTable) last(n int) string {
	sub := forwardTable{rows: t.rows[max(0, len(t.rows)-n):]}
	return "\n" + sub.String()
}

func (t *forwardTable) String() string {
	var s strings.Builder
	if t.header != "" {
		s.WriteString(t.header + "\n\n")
	}
	s.WriteString("| measurement | direct | forwarded | forwarded vs direct |\n")
	s.WriteString("|---|---:|---:|---:|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&s, "| %s | %s | %s | %s |\n", r[0], r[1], r[2], r[3])
	}
	if t.footer != "" {
		s.WriteString("\n" + t.footer + "\n")
	}
	return s.String()
}
