package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/internal/lograte"
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
	// MaxDeliver bounds redeliveries of one message (default 20; -1: no
	// bound), after which it is left for an operator (see the consumer's
	// info).
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
	cons, err := ensure(ctx, js, cfg, 1000)
	if err != nil {
		return nil, err
	}
	logger = logger.With("consumer", cfg.Durable)
	cl := newConsumerLog(logger)
	hctx, cancel := context.WithCancel(context.Background())
	c := &Consumer{cancel: cancel, done: make(chan struct{})}
	// Consume calls the callback from one goroutine: messages of one
	// consumer are handled one at a time, in order, per process.
	if c.cc, err = consume(cons, cfg, logger, func(msg jetstream.Msg) { handleOne(hctx, msg, h, cl) }); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		<-c.cc.Closed()
		close(c.done)
	}()
	return c, nil
}

func ensure(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, maxAckPending int) (jetstream.Consumer, error) {
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
		MaxAckPending: maxAckPending,
	}
	switch len(cfg.Subjects) {
	case 0:
	case 1:
		jc.FilterSubject = cfg.Subjects[0]
	default:
		jc.FilterSubjects = cfg.Subjects
	}
	return EnsureConsumer(ctx, js, cfg.Stream, jc)
}

func consume(cons jetstream.Consumer, cfg ConsumerConfig, logger *slog.Logger, fn func(jetstream.Msg), opts ...jetstream.PullConsumeOpt) (jetstream.ConsumeContext, error) {
	opts = append(opts, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if !errors.Is(err, jetstream.ErrNoHeartbeat) {
			logger.Debug("consume", "err", err)
		}
	}))
	cc, err := cons.Consume(fn, opts...)
	if err != nil {
		return nil, fmt.Errorf("bus: consume %s: %w", cfg.Durable, err)
	}
	return cc, nil
}

// BatchHandler handles a batch of messages. It returns one outcome per
// message, as a MessageHandler's error (nil acknowledges, an *Error with
// CodeInvalid terminates, anything else asks for redelivery), or an error
// for the whole batch: its halves are then handled on their own, down to
// single messages, whose error asks for their redelivery.
type BatchHandler func(ctx context.Context, msgs []jetstream.Msg) ([]error, error)

// BatchConfig sizes a batch consumer.
type BatchConfig struct {
	// Workers handle batches in parallel (default 4).
	Workers int
	// MaxMessages bounds a batch (default 500).
	MaxMessages int
	// Key shares the messages among the workers: all messages of one key
	// go to the same worker, in order (default: the subject). A consumer
	// of a few subjects with many entities (say, every user's session
	// events) keys by the entity, so all its workers have work.
	Key func(jetstream.Msg) string
}

// DecodeBatch reads a batch's messages with decode for a BatchHandler that
// applies them once by message id: it returns the ids and values of those
// that decoded, and each message's outcome (decode's error, an invalid
// error for a message without an id, which cannot be applied once; nil for
// the others).
func DecodeBatch[T any](msgs []jetstream.Msg, decode func(subject string, data []byte) (T, error)) (errs []error, ids []string, values []T) {
	errs = make([]error, len(msgs))
	ids = make([]string, 0, len(msgs))
	values = make([]T, 0, len(msgs))
	for i, msg := range msgs {
		v, err := decode(msg.Subject(), msg.Data())
		id := MessageID(msg)
		switch {
		case err != nil:
			errs[i] = err
		case id == "":
			errs[i] = Invalid("Nats-Msg-Id", "an event without an id cannot be applied once")
		default:
			ids = append(ids, id)
			values = append(values, v)
		}
	}
	return errs, ids, values
}

// UserKey is a BatchConfig.Key for events about users: the payload's
// user_id, so a user's events go to one worker, in order (the subject
// for a payload that can't be read, refused later by the handler).
func UserKey(msg jetstream.Msg) string {
	var p struct {
		UserID string `json:"user_id"`
	}
	if json.Unmarshal(msg.Data(), &p) != nil || p.UserID == "" {
		return msg.Subject()
	}
	return p.UserID
}

// ConsumeBatches ensures the durable consumer and hands its messages to
// Workers goroutines in batches: a worker takes what has arrived, up to
// MaxMessages, so batches are small when the stream is quiet (low latency)
// and large under load (high throughput). Messages are shared among the
// workers by subject (or BatchConfig.Key): all messages of one subject go
// to the same worker, in order, so batches of two workers never touch the
// same subject (say, the same row) at once. Each message is acknowledged
// on its own, after the handler returns, so several processes consuming
// the same durable share the messages safely (a subject's messages may
// then reach two processes).
func ConsumeBatches(ctx context.Context, js jetstream.JetStream, cfg ConsumerConfig, bc BatchConfig, h BatchHandler, logger *slog.Logger) (*Consumer, error) {
	if bc.Workers <= 0 {
		bc.Workers = 4
	}
	if bc.MaxMessages <= 0 {
		bc.MaxMessages = 500
	}
	inFlight := bc.Workers * bc.MaxMessages
	cons, err := ensure(ctx, js, cfg, 4*inFlight)
	if err != nil {
		return nil, err
	}
	logger = logger.With("consumer", cfg.Durable)
	cl := newConsumerLog(logger)
	hctx, cancel := context.WithCancel(context.Background())
	c := &Consumer{cancel: cancel, done: make(chan struct{})}
	queues := make([]chan jetstream.Msg, bc.Workers)
	for i := range queues {
		queues[i] = make(chan jetstream.Msg, bc.MaxMessages)
	}
	key := bc.Key
	if key == nil {
		key = jetstream.Msg.Subject
	}
	c.cc, err = consume(cons, cfg, logger, func(msg jetstream.Msg) {
		h := fnv.New32a()
		_, _ = h.Write([]byte(key(msg)))
		queues[h.Sum32()%uint32(len(queues))] <- msg
	}, jetstream.PullMaxMessages(inFlight))
	if err != nil {
		cancel()
		return nil, err
	}
	var wg sync.WaitGroup
	for _, ch := range queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]jetstream.Msg, 0, bc.MaxMessages)
			for msg := range ch {
				batch = append(batch[:0], msg)
			drain:
				for len(batch) < bc.MaxMessages {
					select {
					case m, ok := <-ch:
						if !ok {
							break drain
						}
						batch = append(batch, m)
					default:
						break drain
					}
				}
				handleBatch(hctx, batch, h, cl)
			}
		}()
	}
	go func() {
		<-c.cc.Closed()
		for _, ch := range queues {
			close(ch)
		}
		wg.Wait()
		close(c.done)
	}()
	return c, nil
}

// consumerLog is a consumer's logger, with its repeated failures (a
// database outage fails every batch and redelivery) rate-limited.
type consumerLog struct {
	*slog.Logger
	batchFailed, msgFailed, refused *lograte.Failures
}

func newConsumerLog(l *slog.Logger) *consumerLog {
	return &consumerLog{Logger: l, batchFailed: lograte.New(l, "batch handling failed, trying its halves"),
		msgFailed: lograte.New(l, "message handling failed, will retry"),
		// A message that can never be handled is its sender's mistake
		// (an app's malformed telemetry): not worth more than Info.
		refused: lograte.New(l, "message refused for good")}
}

func handleBatch(ctx context.Context, batch []jetstream.Msg, h BatchHandler, logger *consumerLog) {
	errs, err := func() (errs []error, err error) {
		defer func() {
			if p := recover(); p != nil {
				logger.Error("batch handler panicked", "messages", len(batch), "panic", p, "stack", string(debug.Stack()))
				err = fmt.Errorf("handler panicked: %v", p)
			}
		}()
		return h(ctx, batch)
	}()
	if err == nil && len(errs) != len(batch) {
		err = fmt.Errorf("bus: batch handler returned %d outcomes for %d messages", len(errs), len(batch))
	}
	if err != nil && len(batch) > 1 {
		// One message may spoil a batch (a session whose figures fail):
		// the halves go again, so the others are not held back with it.
		logger.batchFailed.Fail(ctx, slog.LevelWarn, "messages", len(batch), "err", err)
		handleBatch(ctx, batch[:len(batch)/2], h, logger)
		handleBatch(ctx, batch[len(batch)/2:], h, logger)
		return
	}
	if err != nil {
		settle(batch[0], err, logger)
		return
	}
	for i, msg := range batch {
		settle(msg, errs[i], logger)
	}
}

// retryDelay grows with the deliveries of a message, up to 30 s.
func retryDelay(msg jetstream.Msg) time.Duration {
	if md, err := msg.Metadata(); err == nil {
		return min(time.Duration(md.NumDelivered)*time.Second, 30*time.Second)
	}
	return time.Second
}

func handleOne(ctx context.Context, msg jetstream.Msg, h MessageHandler, logger *consumerLog) {
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
	settle(msg, err, logger)
}

// settle acknowledges, terminates or asks for the redelivery of a handled
// message, by the handler's outcome.
func settle(msg jetstream.Msg, err error, logger *consumerLog) {
	if err == nil {
		if aerr := msg.Ack(); aerr != nil {
			logger.Warn("ack failed", "err", aerr)
		}
		return
	}
	if CodeOf(err) == CodeInvalid {
		logger.refused.Fail(context.Background(), slog.LevelInfo, "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	delay := retryDelay(msg)
	logger.msgFailed.Fail(context.Background(), slog.LevelWarn, "subject", msg.Subject(), "retry_in", delay, "err", err)
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
