package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/client/internal/mail"
	"github.com/athlos/athlos/modules/client/internal/mail/mailtest"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

var data = map[string]any{"Name": "Jörg <b>", "Email": "j@example.com", "Link": "https://app.example.com/reset?token=abc&x=1",
	"ValidMinutes": 30, "ValidHours": 48, "On": true}

func TestRender(t *testing.T) {
	t.Parallel()
	for _, name := range mail.Names("en") {
		for _, lang := range []string{"en", "de", "de-AT", "fr", ""} {
			m, err := mail.Render(name, lang, data)
			require.NoError(t, err, name, lang)
			assert.NotEmpty(t, m.Subject, name)
			assert.Contains(t, m.Text, "Jörg <b>", "plain text is not escaped")
			assert.Contains(t, m.HTML, "Jörg &lt;b&gt;", "HTML is escaped")
			assert.NotContains(t, m.Subject, "\n")
		}
	}
	assert.ElementsMatch(t, mail.Names("en"), mail.Names("de"), "every message has a German template")

	de, err := mail.Render("password_reset", "de-DE", data)
	require.NoError(t, err)
	assert.Equal(t, "Athlos-Passwort zurücksetzen", de.Subject)
	assert.Contains(t, de.Text, "https://app.example.com/reset?token=abc&x=1")
	assert.Contains(t, de.HTML, `href="https://app.example.com/reset?token=abc&amp;x=1"`)
	assert.Contains(t, de.HTML, `<html lang="de">`)
	en, err := mail.Render("password_reset", "fr", data)
	require.NoError(t, err)
	assert.Equal(t, "Reset your Athlos password", en.Subject, "English when the language has no template")

	_, err = mail.Render("no_such", "en", data)
	assert.Error(t, err)
	_, err = mail.Render("password_reset", "en", map[string]any{"Name": "x"})
	assert.Error(t, err, "a missing field is an error, not an empty link")
}

func TestConfig(t *testing.T) {
	t.Parallel()
	good := []mail.Config{
		{},
		{URL: "smtp://mail.example.com"},
		{URL: "smtp://u:p@mail.example.com:2525", TLS: mail.TLSOpportunistic, From: "Athlos <a@example.com>"},
		{URL: "smtps://u:p@mail.example.com"},
		{URL: "smtp://127.0.0.1:25", TLS: mail.TLSNone},
	}
	for _, c := range good {
		assert.NoError(t, c.Validate(), c.URL)
	}
	bad := []mail.Config{
		{URL: "http://mail.example.com"},
		{URL: "smtp://"},
		{URL: "smtp://mail.example.com:0"},
		{URL: "smtp://mail.example.com:99999"},
		{URL: "smtp://mail.example.com/path"},
		{URL: "smtps://mail.example.com", TLS: mail.TLSStartTLS},
		{URL: "smtp://mail.example.com", TLS: "maybe"},
		{TLS: "maybe"},
		{URL: "smtp://mail.example.com", From: "not an address"},
	}
	for _, c := range bad {
		assert.Error(t, c.Validate(), "%+v", c)
	}
}

func TestLogSender(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s, err := mail.NewSender(mail.Config{}, slog.New(slog.NewTextHandler(&buf, nil)))
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "Hi", Text: "open https://x.example/t?token=1"}))
	assert.Contains(t, buf.String(), "a@example.com")
	assert.Contains(t, buf.String(), "https://x.example/t?token=1", "the self-hoster sees the link")
}

func TestSMTPSender(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s, err := mail.NewSender(srv.Config(), slog.Default())
	require.NoError(t, err)
	m, err := mail.Render("verify_email", "de", data)
	require.NoError(t, err)
	m.To = "jörg@example.com"
	require.NoError(t, s.Send(context.Background(), m))
	got := srv.Wait(1, 10*time.Second)[0]
	assert.Equal(t, []string{"jörg@example.com"}, got.To)
	assert.Equal(t, "no-reply@athlos.test", got.From)
	assert.Equal(t, m.Subject, got.Subject)
	assert.Equal(t, m.Text, got.Text)
	assert.Equal(t, m.HTML, got.HTML)
	assert.Equal(t, []string{"https://app.example.com/reset?token=abc&x=1"}, got.Links())

	// Wrong credentials, no server, a refused address.
	bad := srv.Config()
	bad.URL = "smtp://athlos:wrong@" + srv.Addr()
	s2, err := mail.NewSender(bad, slog.Default())
	require.NoError(t, err)
	assert.Error(t, s2.Send(context.Background(), m))
	srv.Refuse("gone@example.com")
	m.To = "gone@example.com"
	err = s.Send(context.Background(), m)
	require.Error(t, err)
	assert.True(t, mail.IsPermanent(err), "a 550 is not retried: %v", err)
	srv.FailNext(1)
	m.To = "later@example.com"
	err = s.Send(context.Background(), m)
	require.Error(t, err)
	assert.False(t, mail.IsPermanent(err), "a 451 is retried: %v", err)
}

// TestSMTPSenderTLS sends with STARTTLS (the default) and with TLS from
// the first byte, verifying the server's certificate; and refuses a
// server without STARTTLS, or with a certificate it does not trust.
func TestSMTPSenderTLS(t *testing.T) {
	t.Parallel()
	m := mail.Message{To: "ana@example.com", Subject: "Über TLS", Text: "hello", HTML: "<p>hello</p>"}
	for _, mode := range []string{mail.TLSStartTLS, mail.TLSImplicit} {
		srv := mailtest.StartTLS(t, mode)
		s, err := mail.NewSender(srv.Config(), slog.Default())
		require.NoError(t, err)
		require.NoError(t, s.Send(context.Background(), m), mode)
		got := srv.Wait(1, 10*time.Second)[0]
		assert.Equal(t, "Über TLS", got.Subject, mode)

		untrusted := srv.Config()
		untrusted.RootCAs = nil
		s, err = mail.NewSender(untrusted, slog.Default())
		require.NoError(t, err)
		assert.Error(t, s.Send(context.Background(), m), "%s: a certificate the system does not trust", mode)
	}
	plain := mailtest.Start(t)
	c := plain.Config()
	c.TLS = "" // smtp:// requires STARTTLS by default
	s, err := mail.NewSender(c, slog.Default())
	require.NoError(t, err)
	assert.Error(t, s.Send(context.Background(), m), "no STARTTLS offered: refused, the password not sent")
	assert.Empty(t, plain.Messages())
}

func enqueue(t *testing.T, pool *pgxpool.Pool, ms ...mail.Message) {
	t.Helper()
	require.NoError(t, storage.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		for _, m := range ms {
			if _, err := mail.Enqueue(context.Background(), tx, m); err != nil {
				return err
			}
		}
		return nil
	}))
}

func TestEnqueueChecks(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	for _, m := range []mail.Message{
		{To: "", Subject: "s", Text: "t"},
		{To: "a@example.com\r\nBcc: b@example.com", Subject: "s", Text: "t"},
		{To: "a@example.com", Subject: "", Text: "t"},
		{To: "a@example.com", Subject: "s", Text: ""},
	} {
		err := storage.InTx(context.Background(), pool, func(tx pgx.Tx) error {
			_, err := mail.Enqueue(context.Background(), tx, m)
			return err
		})
		assert.Error(t, err, "%+v", m)
	}
	n, err := mail.Pending(context.Background(), pool)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestWorkerRetriesAndGivesUp(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	srv := mailtest.Start(t)
	sender, err := mail.NewSender(srv.Config(), slog.Default())
	require.NoError(t, err)
	w := mail.NewWorker(pool, sender, slog.Default(), mail.WorkerConfig{Backoff: time.Minute, MaxBackoff: 4 * time.Minute, MaxAttempts: 3})
	now := time.Now().Add(10 * time.Second) // after the database's now() of every enqueue below
	w.SetClock(func() time.Time { return now })
	ctx := context.Background()

	// A rolled-back transaction enqueues nothing.
	_ = storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := mail.Enqueue(ctx, tx, mail.Message{To: "x@example.com", Subject: "s", Text: "t"})
		require.NoError(t, err)
		return fmt.Errorf("roll back")
	})
	enqueue(t, pool, mail.Message{To: "a@example.com", Subject: "one", Text: "t"})
	srv.FailNext(1)
	n, err := w.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, srv.Messages(), "the server refused it for now")
	assert.Equal(t, mail.Stats{Retried: 1}, w.Stats())

	// Not due before the backoff has passed.
	n, err = w.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	now = now.Add(time.Minute)
	n, err = w.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.Len(t, srv.Messages(), 1)
	assert.Equal(t, "one", srv.Messages()[0].Subject)
	p, err := mail.Pending(ctx, pool)
	require.NoError(t, err)
	assert.Zero(t, p, "a sent message leaves the outbox")

	// Backoff doubles up to its maximum.
	assert.Equal(t, []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 4 * time.Minute},
		[]time.Duration{w.Backoff(1), w.Backoff(2), w.Backoff(3), w.Backoff(4)})

	// Three failed attempts give a message up, its bodies erased.
	enqueue(t, pool, mail.Message{To: "b@example.com", Subject: "two", Text: "secret link"})
	for i := 0; i < 3; i++ {
		srv.FailNext(1)
		n, err = w.RunOnce(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n, "attempt %d", i+1)
		now = now.Add(time.Hour)
	}
	var text, lastErr string
	var failed *time.Time
	require.NoError(t, pool.QueryRow(ctx, `SELECT text_body, last_error, failed_at FROM client.mail_outbox WHERE subject = 'two'`).
		Scan(&text, &lastErr, &failed))
	assert.Empty(t, text)
	assert.Contains(t, lastErr, "451")
	assert.NotNil(t, failed)
	n, err = w.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "given up")

	// A permanent refusal gives up at once.
	srv.Refuse("gone@example.com")
	enqueue(t, pool, mail.Message{To: "gone@example.com", Subject: "three", Text: "t"}, mail.Message{To: "c@example.com", Subject: "four", Text: "t"})
	n, err = w.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, mail.Stats{Sent: 2, Retried: 3, Failed: 2}, w.Stats())
	assert.Len(t, srv.To("c@example.com"), 1, "one refused address does not hold the batch")
}

// TestWorkersShareTheOutbox runs several workers (as several processes
// do) on one outbox: each message is delivered exactly once.
func TestWorkersShareTheOutbox(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	srv := mailtest.Start(t)
	sender, err := mail.NewSender(srv.Config(), slog.Default())
	require.NoError(t, err)
	const n = 300
	ms := make([]mail.Message, n)
	for i := range ms {
		ms[i] = mail.Message{To: fmt.Sprintf("u%d@example.com", i), Subject: fmt.Sprintf("m%d", i), Text: "t", HTML: "<p>t</p>"}
	}
	enqueue(t, pool, ms...)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		w := mail.NewWorker(pool, sender, slog.Default(), mail.WorkerConfig{Batch: 20, Poll: 50 * time.Millisecond})
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
	}
	srv.Wait(n, time.Minute)
	cancel()
	wg.Wait()
	got := srv.Messages()
	subjects := make([]string, len(got))
	for i, m := range got {
		subjects[i] = m.Subject
	}
	sort.Strings(subjects)
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("m%d", i)
	}
	sort.Strings(want)
	assert.Equal(t, want, subjects, "each message exactly once")
	p, err := mail.Pending(context.Background(), pool)
	require.NoError(t, err)
	assert.Zero(t, p)
}
