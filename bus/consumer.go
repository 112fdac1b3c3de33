package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerName is the durable name of a module's consumer of an event:
// <consumer-module>__<event>, with the event's dots as underscores.
func ConsumerName(module, event string) string {
	b := []byte(event)
	for i, c := range b {
		if c == '.' || c == '*' || c == '>' {
			b[i] = '_'
		}
	}
	return module + "__" + string(b)
}

// ConsumerConfig describes a durable pull consumer.
type ConsumerConfig struct {
	Stream  string
	Durable string
	// Subjects filters the stream; empty means all of it.
	Subjects []string
	// MaxDeliver bounds redeliveries of one message (default 20), after
	// which it is left for an operator (see the consumer's info).
	MaxDeliver int
	// AckWait is how long a delivery may take before redelivery (default 30s).
	AckWait time.Duration
}

// MessageHandler handles one message. A nil error acknowledges it; an
// *Error with CodeInvalid terminates it (it can never succeed); any other
// error asks for redelivery with backoff.
type MessageHandler func(ctx context.Context, msg jetstream.Msg) error

// Consumer runs a handler on a durable pull consumer.
type Consumer struct {
	cc     jetstream.ConsumeContext
	cancel context.CancelFunc
	done   chan struct{}
}

// Consume ensures the durable consumer and starts handling its messages.
// Several processes consuming the same durable share the messages.
func Consume(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, h MessageHandler, logger *slog.Logger) (*Consumer, error) {
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = 20
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	jc := jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxDeliver:    cfg.MaxDeliver,
		AckWait:       cfg.AckWait,
		MaxAckPending: 1000,
	}
	switch len(cfg.Subjects) {
	case 0:
	case 1:
		jc.FilterSubject = cfg.Subjects[0]
	default:
		jc.FilterSubjects = cfg.Subjects
	}
	cons, err := EnsureConsumer(ctx, js, cfg.Stream, jc)
	if err != nil {
		return nil, err
	}
	logger = logger.With("consumer", cfg.Durable)
	hctx, cancel := context.WithCancel(context.Background())
	c := &Consumer{cancel: cancel, done: make(chan struct{})}
	// Consume calls the callback from one goroutine: messages of one
	// consumer are handled one at a time, in order, per process.
	c.cc, err = cons.Consume(func(msg jetstream.Msg) {
		handleOne(hctx, msg, h, logger)
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if !errors.Is(err, jetstream.ErrNoHeartbeat) {
			logger.Debug("consume", "err", err)
		}
	}))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("bus: consume %s: %w", cfg.Durable, err)
	}
	go func() {
		<-c.cc.Closed()
		close(c.done)
	}()
	return c, nil
}

func handleOne(ctx context.Context, msg jetstream.Msg, h MessageHandler, logger *slog.Logger) {
	if id := msg.Headers().Get(HeaderRequestID); id != "" {
		ctx = WithRequestID(ctx, id)
	}
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				logger.Error("message handler panicked", "subject", msg.Subject(), "panic", p, "stack", string(debug.Stack()))
				err = fmt.Errorf("handler panicked: %v", p)
			}
		}()
		return h(ctx, msg)
	}()
	if err == nil {
		if aerr := msg.Ack(); aerr != nil {
			logger.Warn("ack failed", "err", aerr)
		}
		return
	}
	if CodeOf(err) == CodeInvalid {
		logger.Error("message refused for good", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	delay := time.Second
	if md, mderr := msg.Metadata(); mderr == nil {
		delay = min(time.Duration(md.NumDelivered)*time.Second, 30*time.Second)
	}
	logger.Warn("message handling failed, will retry", "subject", msg.Subject(), "retry_in", delay, "err", err)
	_ = msg.NakWithDelay(delay)
}

// Stop stops fetching, lets the message in hand finish, and returns.
func (c *Consumer) Stop(ctx context.Context) error {
	c.cc.Drain()
	select {
	case <-c.done:
		c.cancel()
		return nil
	case <-ctx.Done():
		c.cc.Stop()
		c.cancel()
		return ctx.Err()
	}
}

// MessageID is the id that makes a message's handling idempotent: its
// Nats-Msg-Id (outbox events always carry one), else its stream and
// sequence.
func MessageID(msg jetstream.Msg) string {
	if id := msg.Headers().Get(jetstream.MsgIDHeader); id != "" {
		return id
	}
	if md, err := msg.Metadata(); err == nil {
		return md.Stream + ":" + strconv.FormatUint(md.Sequence.Stream, 10)
	}
	return ""
}

// HandleOnce runs fn in a transaction that also records (consumer, msgID)
// in schema.processed_messages. If the message was already processed, fn is
// not run and HandleOnce returns false. The record and fn's effects commit
// together, so a redelivery after a crash either finds both or neither.
func HandleOnce(ctx context.Context, pool *pgxpool.Pool, schema, consumer, msgID string, fn func(ctx context.Context, tx pgx.Tx) error) (bool, error) {
	if msgID == "" {
		return false, errors.New("bus: message without an id cannot be handled idempotently")
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("bus: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	tag, err := tx.Exec(ctx, "INSERT INTO "+pgx.Identifier{schema, "processed_messages"}.Sanitize()+
		" (consumer, msg_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", consumer, msgID)
	if err != nil {
		return false, fmt.Errorf("bus: record message %s: %w", msgID, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if err := fn(ctx, tx); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("bus: commit message %s: %w", msgID, err)
	}
	return true, nil
}
