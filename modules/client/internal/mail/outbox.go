package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/storage"
)

// MaxAddressLen bounds a recipient's address (RFC 5321's path limit).
const MaxAddressLen = 254

// Enqueue writes m into the mail outbox (client.mail_outbox) inside the
// caller's transaction: the message exists if and only if the change it
// tells of was committed, and a Worker sends it after the commit. It
// returns the message's id.
func Enqueue(ctx context.Context, tx pgx.Tx, m Message) (uuid.UUID, error) {
	if m.To == "" || len(m.To) > MaxAddressLen || strings.ContainsAny(m.To, "\r\n") {
		return uuid.Nil, fmt.Errorf("mail: enqueue: bad recipient %q", m.To)
	}
	if m.Subject == "" || m.Text == "" {
		return uuid.Nil, errors.New("mail: enqueue: a message needs a subject and a text")
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, fmt.Errorf("mail: enqueue: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO client.mail_outbox (id, to_addr, subject, text_body, html_body) VALUES ($1, $2, $3, $4, $5)`,
		id, m.To, m.Subject, m.Text, m.HTML); err != nil {
		return uuid.Nil, fmt.Errorf("mail: enqueue: %w", err)
	}
	return id, nil
}

// WorkerConfig tunes a Worker; zero fields take the defaults.
type WorkerConfig struct {
	// Poll is how often an idle worker looks for due mail (Wake makes it
	// look at once). Default 2s.
	Poll time.Duration
	// Batch is how many messages one claim takes (sent over one SMTP
	// connection). Default 50.
	Batch int
	// Lease is how long a claimed message is left to its worker before
	// another may try it (a worker that died). Default 2m.
	Lease time.Duration
	// Backoff is the wait after the first failed attempt, doubling with
	// each further one up to MaxBackoff. Defaults 30s and 1h.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts is how many attempts a message gets before it is given
	// up (failed_at). Default 12 (about six hours with the default
	// backoff).
	MaxAttempts int
}

func (c WorkerConfig) withDefaults() WorkerConfig {
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	return c
}

// Worker sends the mail outbox. Every process that runs the client module
// runs one; they share the table safely: a claim locks due rows with FOR
// UPDATE SKIP LOCKED and leases them (next_attempt_at moves forward by
// Lease) in one statement, so two workers never take the same row, and a
// row whose worker died is taken again once its lease ends. Sending happens
// outside any transaction; a sent row is deleted.
type Worker struct {
	pool   *pgxpool.Pool
	sender Sender
	log    *slog.Logger
	cfg    WorkerConfig
	now    func() time.Time
	wake   chan struct{}

	mu    sync.Mutex
	stats Stats
}

// Stats counts what a Worker did since it started.
type Stats struct {
	Sent, Retried, Failed int
}

// NewWorker returns a worker sending pool's outbox through sender.
func NewWorker(pool *pgxpool.Pool, sender Sender, log *slog.Logger, cfg WorkerConfig) *Worker {
	return &Worker{pool: pool, sender: sender, log: log, cfg: cfg.withDefaults(), now: time.Now,
		wake: make(chan struct{}, 1)}
}

// SetClock makes the worker read the time from now (tests).
func (w *Worker) SetClock(now func() time.Time) { w.now = now }

// Wake makes the worker look for due mail now (after a commit that
// enqueued some); it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stats returns what the worker did so far.
func (w *Worker) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// Run sends due mail until ctx ends: a batch after another while there is
// some, then every Poll or at Wake.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.log.Warn("mail outbox", "err", err)
				}
				break
			}
			if n < w.cfg.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

type claimed struct {
	id       uuid.UUID
	attempts int
	msg      Message
}

// RunOnce claims one batch of due mail, sends it and records the outcome.
// It returns how many messages it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.now()
	var batch []claimed
	err := storage.InTx(ctx, w.pool, func(tx pgx.Tx) error {
		batch = batch[:0]
		rows, err := tx.Query(ctx, `UPDATE client.mail_outbox SET next_attempt_at = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM client.mail_outbox WHERE failed_at IS NULL AND next_attempt_at <= $1
				ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
			RETURNING id, attempts, to_addr, subject, text_body, html_body`, now, now.Add(w.cfg.Lease), w.cfg.Batch)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c claimed
			if err := rows.Scan(&c.id, &c.attempts, &c.msg.To, &c.msg.Subject, &c.msg.Text, &c.msg.HTML); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, c)
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("mail: claim: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	errs := w.send(ctx, batch)
	var sent []uuid.UUID
	for i, c := range batch {
		if errs[i] == nil {
			sent = append(sent, c.id)
			continue
		}
		if err := w.failed(ctx, c, errs[i]); err != nil {
			return len(batch), err
		}
	}
	if len(sent) > 0 {
		// With a background context: the server took them; forgetting
		// that would send them again.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := w.pool.Exec(dctx, `DELETE FROM client.mail_outbox WHERE id = ANY($1)`, sent); err != nil {
			return len(batch), fmt.Errorf("mail: mark sent: %w", err)
		}
	}
	w.mu.Lock()
	w.stats.Sent += len(sent)
	w.mu.Unlock()
	return len(batch), nil
}

func (w *Worker) send(ctx context.Context, batch []claimed) []error {
	ms := make([]Message, len(batch))
	for i, c := range batch {
		ms[i] = c.msg
	}
	if bs, ok := w.sender.(BatchSender); ok {
		return bs.SendAll(ctx, ms)
	}
	errs := make([]error, len(ms))
	for i, m := range ms {
		errs[i] = w.sender.Send(ctx, m)
	}
	return errs
}

// failed records a failed attempt: another later, or none when the
// failure is permanent or it was the last.
func (w *Worker) failed(ctx context.Context, c claimed, sendErr error) error {
	now := w.now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	msg := sendErr.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	if IsPermanent(sendErr) || c.attempts >= w.cfg.MaxAttempts {
		w.log.Error("mail given up", "id", c.id, "to", c.msg.To, "subject", c.msg.Subject, "attempts", c.attempts, "err", sendErr)
		if _, err := w.pool.Exec(ctx, `UPDATE client.mail_outbox SET failed_at = $2, last_error = $3, text_body = '', html_body = ''
			WHERE id = $1`, c.id, now, msg); err != nil {
			return fmt.Errorf("mail: mark failed: %w", err)
		}
		w.mu.Lock()
		w.stats.Failed++
		w.mu.Unlock()
		return nil
	}
	wait := w.Backoff(c.attempts)
	w.log.Warn("mail not sent; will retry", "id", c.id, "attempt", c.attempts, "retry_in", wait, "err", sendErr)
	if _, err := w.pool.Exec(ctx, `UPDATE client.mail_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1`,
		c.id, now.Add(wait), msg); err != nil {
		return fmt.Errorf("mail: mark retry: %w", err)
	}
	w.mu.Lock()
	w.stats.Retried++
	w.mu.Unlock()
	return nil
}

// Backoff is the wait after the attempt-th failed attempt (1 for the
// first): Backoff doubled attempt-1 times, at most MaxBackoff.
func (w *Worker) Backoff(attempt int) time.Duration {
	d := w.cfg.Backoff
	for i := 1; i < attempt && d < w.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.cfg.MaxBackoff)
}

// Pending counts the messages not yet sent nor given up (for /metrics and
// tests).
func Pending(ctx context.Context, q storage.Querier) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM client.mail_outbox WHERE failed_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("mail: pending: %w", err)
	}
	return n, nil
}
