package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules/client/internal/mail"
	"github.com/athlos/athlos/modules/client/internal/mail/mailtest"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// BenchmarkPasswordReset is POST /v1/auth/password-reset at saturation
// through the front, 32 connections, every request for another address
// (a fifth of them accounts', which then get a mail through the local
// SMTP server while the load runs). Run:
// go test ./modules/client/httpapi -run '^$' -bench 'PasswordReset$' -benchtime 1x
func BenchmarkPasswordReset(b *testing.B) {
	srv := mailtest.Start(b)
	a := startMailWith(b, srv, nil)
	db := a.DB(b)
	_, err := db.Exec(context.Background(), `INSERT INTO client.users (id, email, password_hash, role, language, privacy)
		SELECT gen_random_uuid(), 'r' || i || '@example.com', 'x', 'user', 'en',
			'{"default_visibility": "followers", "show_in_leaderboards": true, "show_age": false}'
		FROM generate_series(0, 99999) AS i WHERE i % 5 = 0`)
	require.NoError(b, err)
	addr := strings.TrimPrefix(a.BaseURL, "http://")
	var n atomic.Int64
	var workers []loadgen.Func
	for range 32 {
		hc := &fasthttp.HostClient{Addr: addr, MaxConns: 1, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
		workers = append(workers, func() error {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI("http://" + addr + "/v1/auth/password-reset")
			req.Header.SetMethod(http.MethodPost)
			req.Header.SetContentType("application/json")
			req.SetBodyString(fmt.Sprintf(`{"email":"r%d@example.com"}`, n.Add(1)))
			if err := hc.Do(req, resp); err != nil {
				return err
			}
			if resp.StatusCode() != http.StatusAccepted {
				return fmt.Errorf("password reset: %d: %s", resp.StatusCode(), resp.Body())
			}
			return nil
		})
	}
	loadgen.Closed(context.Background(), workers, time.Second) // warm-up
	for b.Loop() {
		report(b, "POST /v1/auth/password-reset, 32 connections", loadgen.Closed(context.Background(), workers, 5*time.Second))
	}
	b.Logf("mails received by the end of the run: %d (a fifth of the %d requests were accounts')", len(srv.Messages()), n.Load())
}

// BenchmarkMailDelivery sends 2,000 messages from the mail outbox to a
// local SMTP server (go-smtp in the test process): one worker (one
// process), then four sharing the outbox (four processes); batches of 50
// over one connection each. Run:
// go test ./modules/client/httpapi -run '^$' -bench MailDelivery -benchtime 1x
func BenchmarkMailDelivery(b *testing.B) {
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			pool := pgtest.NewPool(b)
			srv := mailtest.Start(b)
			sender, err := mail.NewSender(srv.Config(), slog.Default())
			require.NoError(b, err)
			for b.Loop() {
				const n = 2000
				enqueueBench(b, pool, n, len(srv.Messages()))
				before := len(srv.Messages())
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				start := time.Now()
				for range workers {
					w := mail.NewWorker(pool, sender, slog.Default(), mail.WorkerConfig{Poll: 10 * time.Millisecond})
					wg.Add(1)
					go func() { defer wg.Done(); w.Run(ctx) }()
				}
				srv.Wait(before+n, 5*time.Minute)
				elapsed := time.Since(start)
				cancel()
				wg.Wait()
				b.ReportMetric(float64(n)/elapsed.Seconds(), "mails/s")
				b.ReportMetric(0, "ns/op")
				b.Logf("%d workers: %d mails in %v: %.0f mails/s", workers, n, elapsed, float64(n)/elapsed.Seconds())
			}
		})
	}
}

func enqueueBench(b *testing.B, pool *pgxpool.Pool, n, offset int) {
	m, err := mail.Render("password_reset", "en", map[string]any{"Name": "Ana", "Email": "ana@example.com",
		"Link": "https://app.example.com/reset-password?token=" + strings.Repeat("A", 43), "ValidMinutes": 30})
	require.NoError(b, err)
	require.NoError(b, storage.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		for i := range n {
			m.To = fmt.Sprintf("m%d@example.com", offset+i)
			if _, err := mail.Enqueue(context.Background(), tx, m); err != nil {
				return err
			}
		}
		return nil
	}))
}
