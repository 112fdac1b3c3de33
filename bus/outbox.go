package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Enqueue writes an event into a module's outbox inside the caller's
// transaction, so the event exists if and only if the change it describes
// was committed. The relay publishes it later with the returned id as
// Nats-Msg-Id. payload is encoded as JSON.
func Enqueue(ctx context.Context, tx pgx.Tx, schema, subject string, payload any) (uuid.UUID, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return uuid.Nil, fmt.Errorf("bus: encode event %s: %w", subject, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, fmt.Errorf("bus: event id: %w", err)
	}
	return id, EnqueueRaw(ctx, tx, schema, id, subject, data, nil)
}

// EnqueueRaw is Enqueue with a caller-chosen id, an encoded payload and
// optional headers.
func EnqueueRaw(ctx context.Context, tx pgx.Tx, schema string, id uuid.UUID, subject string, data []byte, headers map[string]string) error {
	if headers == nil {
		headers = map[string]string{}
	}
	if id := RequestID(ctx); id != "" {
		headers[HeaderRequestID] = id
	}
	hdr, err := json.Marshal(headers)
	if err != nil {
		return fmt.Errorf("bus: encode headers: %w", err)
	}
	_, err = tx.Exec(ctx, "INSERT INTO "+outboxTable(schema)+" (id, subject, payload, headers) VALUES ($1, $2, $3, $4)",
		id, subject, data, hdr)
	if err != nil {
		return fmt.Errorf("bus: enqueue %s: %w", subject, err)
	}
	return nil
}

// Event is one event of EnqueueAll: its subject and payload (encoded as
// JSON).
type Event struct {
	Subject string
	Payload any
}

// EnqueueAll is Enqueue for several events in one statement: a batch
// consumer that publishes many events does not pay a round trip each. They
// are published in their order.
func EnqueueAll(ctx context.Context, tx pgx.Tx, schema string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	headers := map[string]string{}
	if id := RequestID(ctx); id != "" {
		headers[HeaderRequestID] = id
	}
	hdr, err := json.Marshal(headers)
	if err != nil {
		return fmt.Errorf("bus: encode headers: %w", err)
	}
	ids := make([]pgtype.UUID, len(events)) // sent in binary (a uuid.UUID goes as text)
	subjects := make([]string, len(events))
	payloads := make([][]byte, len(events))
	for i, e := range events {
		if payloads[i], err = json.Marshal(e.Payload); err != nil {
			return fmt.Errorf("bus: encode event %s: %w", e.Subject, err)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("bus: event id: %w", err)
		}
		ids[i], subjects[i] = pgtype.UUID{Bytes: id, Valid: true}, e.Subject
	}
	_, err = tx.Exec(ctx, "INSERT INTO "+outboxTable(schema)+` (id, subject, payload, headers)
		SELECT id, subject, payload, $4 FROM unnest($1::uuid[], $2::text[], $3::bytea[]) WITH ORDINALITY AS e (id, subject, payload, n)
		ORDER BY n`, ids, subjects, payloads, hdr)
	if err != nil {
		return fmt.Errorf("bus: enqueue %d events: %w", len(events), err)
	}
	return nil
}

func outboxTable(schema string) string { return pgx.Identifier{schema, "outbox"}.Sanitize() }

// Relay publishes a module's outbox to JetStream. A row is deleted only
// after JetStream acknowledged it, in the transaction that locked it; a
// crash in between leaves the row, and its re-publication carries the same
// Nats-Msg-Id, which JetStream's duplicate window drops. Several relays
// (one per process running the module) share the outbox with SKIP LOCKED.
type Relay struct {
	pool   *pgxpool.Pool
	js     jetstream.JetStream
	schema string
	logger *slog.Logger
	// Batch is how many rows one round publishes (default 256).
	Batch int
	// Poll is how often the relay looks without a notification (default 1s).
	Poll time.Duration
}

// NewRelay returns a relay for the outbox in schema.
func NewRelay(pool *pgxpool.Pool, js jetstream.JetStream, schema string, logger *slog.Logger) *Relay {
	return &Relay{pool: pool, js: js, schema: schema, logger: logger.With("outbox", schema), Batch: 256, Poll: time.Second}
}

// Run publishes until ctx ends, woken by NOTIFY <schema>_outbox and by a
// poll. Errors are logged and retried with backoff.
func (r *Relay) Run(ctx context.Context) {
	wake := make(chan struct{}, 1)
	go r.listen(ctx, wake)
	backoff := r.Poll
	for {
		n, err := r.Flush(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.logger.Warn("outbox relay round failed", "err", err, "retry_in", backoff)
			backoff = min(backoff*2, 30*time.Second)
		default:
			backoff = r.Poll
			if n > 0 {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-time.After(backoff):
		}
	}
}

// listen turns NOTIFY on the outbox channel into wake-ups.
func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	Listen(ctx, r.pool, r.schema+"_outbox", wake, r.logger)
}

// Listen turns PostgreSQL notifications on channel into wake-ups on wake
// (dropped while one is waiting) until ctx ends, listening again after a
// lost connection. It is how a relay hears that rows were committed.
func Listen(ctx context.Context, pool *pgxpool.Pool, channel string, wake chan<- struct{}, logger *slog.Logger) {
	ident := pgx.Identifier{channel}.Sanitize()
	for ctx.Err() == nil {
		err := func() error {
			conn, err := pool.Acquire(ctx)
			if err != nil {
				return err
			}
			defer conn.Release()
			if _, err := conn.Exec(ctx, "LISTEN "+ident); err != nil {
				return err
			}
			// The connection carries LISTEN state: never return it to the
			// pool as is.
			defer func() { _ = conn.Conn().Close(context.Background()) }()
			for {
				if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
					return err
				}
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}()
		if ctx.Err() != nil {
			return
		}
		logger.Debug("listen restarting", "channel", channel, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Flush publishes one batch of pending rows and deletes the acknowledged
// ones. It returns how many were published.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	return r.flush(ctx, true)
}

type outboxRow struct {
	id      uuid.UUID
	subject string
	payload []byte
	headers map[string]string
}

func (r *Relay) flush(ctx context.Context, deleteAcked bool) (int, error) {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("bus: outbox begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, "SELECT id, subject, payload, headers FROM "+outboxTable(r.schema)+
		" ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED", r.Batch)
	if err != nil {
		return 0, fmt.Errorf("bus: outbox select: %w", err)
	}
	batch, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (outboxRow, error) {
		var o outboxRow
		err := row.Scan(&o.id, &o.subject, &o.payload, &o.headers)
		return o, err
	})
	if err != nil {
		return 0, fmt.Errorf("bus: outbox read: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	futures := make([]jetstream.PubAckFuture, len(batch))
	for i, o := range batch {
		msg := &nats.Msg{Subject: o.subject, Data: o.payload, Header: nats.Header{}}
		for k, v := range o.headers {
			msg.Header.Set(k, v)
		}
		futures[i], err = r.js.PublishMsgAsync(msg, jetstream.WithMsgID(o.id.String()))
		if err != nil {
			futures = futures[:i]
			break
		}
	}
	acked := make([]uuid.UUID, 0, len(futures))
	var pubErr error
	for i, f := range futures {
		select {
		case <-f.Ok():
			acked = append(acked, batch[i].id)
		case e := <-f.Err():
			pubErr = errors.Join(pubErr, fmt.Errorf("publish %s: %w", batch[i].subject, e))
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if err != nil {
		pubErr = errors.Join(pubErr, err)
	}
	if !deleteAcked {
		return len(acked), pubErr
	}
	if len(acked) > 0 {
		if _, err := tx.Exec(ctx, "DELETE FROM "+outboxTable(r.schema)+" WHERE id = ANY($1)", acked); err != nil {
			return 0, fmt.Errorf("bus: outbox delete: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return 0, fmt.Errorf("bus: outbox commit: %w", err)
		}
	}
	if pubErr != nil {
		return len(acked), fmt.Errorf("bus: outbox publish: %w", pubErr)
	}
	return len(acked), nil
}
