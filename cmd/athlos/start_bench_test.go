package main

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStartToReady measures `athlos serve` (everything in one process,
// managed PostgreSQL) from exec to the first 200 of /readyz: "cold" on a new
// data dir (initdb, migrations, stream creation included), "warm" on the data
// dir of an earlier run. Run: go test ./cmd/athlos -run '^$' -bench StartToReady -benchtime 5x
func BenchmarkStartToReady(b *testing.B) {
	athlosBinary(b)
	run := func(b *testing.B, dir string) time.Duration {
		httpPort := freePort(b)
		args := []string{"--data-dir", dir, "--http-listen", "127.0.0.1:" + httpPort,
			"--nats-listen", "", "--nats-ws-listen", "", "--postgres-port", freePort(b), "--log-level", "warn"}
		began := time.Now()
		p := start(b, args...)
		waitReady(b, p, "http://127.0.0.1:"+httpPort)
		took := time.Since(began)
		if code := p.stop(b, syscall.SIGTERM); code != 0 {
			b.Fatalf("exit code %d", code)
		}
		return took
	}
	b.Run("cold", func(b *testing.B) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			dir := filepath.Join(reachableDir(b), "data")
			total += run(b, dir)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("warm", func(b *testing.B) {
		dir := filepath.Join(reachableDir(b), "data")
		run(b, dir) // first start: initdb
		var total time.Duration
		for i := 0; i < b.N; i++ {
			total += run(b, dir)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
		b.ReportMetric(0, "ns/op")
	})
}
