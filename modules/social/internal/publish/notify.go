package publish

// The notifications waiting in social.notif_outbox, to each recipient's
// notify.<user> in stream NOTIFY.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// chunk is how many messages are in flight at once (the members of 20
// groups of 500 go in one).
const chunk = 16384

// Notifier is the relay of notifications: woken by the fan-out's commit
// (NOTIFY social_notif_outbox) and a poll, it sends every waiting
// notification (service.Notify.Dispatch) with JetStream publishes that it
// waits the acknowledgements of. Several processes share the work (the
// outbox rows are taken with SKIP LOCKED).
type Notifier struct {
	pool *pgxpool.Pool
	js   jetstream.JetStream
	n    *service.Notify
	log  *slog.Logger
	// Poll is how often it looks without being woken.
	Poll time.Duration
	// Sent, when set, runs once the notifications waiting are sent (and
	// every 200 ms while they keep coming): the chat publishes the system
	// messages the fan-out posted with them.
	Sent func(ctx context.Context)
}

// NewNotifier returns the relay on nc.
func NewNotifier(pool *pgxpool.Pool, nc *nats.Conn, n *service.Notify, log *slog.Logger) (*Notifier, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(2*chunk))
	if err != nil {
		return nil, fmt.Errorf("publish: notifications: %w", err)
	}
	return &Notifier{pool: pool, js: js, n: n, log: log, Poll: time.Second}, nil
}

// Run sends notifications until ctx ends.
func (r *Notifier) Run(ctx context.Context) {
	wake := make(chan struct{}, 1)
	go bus.Listen(ctx, r.pool, "social_notif_outbox", wake, r.log)
	backoff := r.Poll
	var unannounced bool // sent since Sent last ran
	var announced time.Time
	for {
		sent, err := r.n.Dispatch(ctx, r.publish)
		unannounced = unannounced || sent
		if r.Sent != nil && unannounced && err == nil && (!sent || time.Since(announced) > 200*time.Millisecond) {
			r.Sent(ctx)
			unannounced, announced = false, time.Now()
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.log.Warn("sending notifications", "err", err, "retry_in", backoff)
			backoff = min(backoff*2, 30*time.Second)
		default:
			backoff = r.Poll
			if sent {
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

// publish sends msgs to JetStream and returns once every one is
// acknowledged (an error if any was not).
func (r *Notifier) publish(ctx context.Context, msgs []service.Outbound) error {
	for start := 0; start < len(msgs); start += chunk {
		part := msgs[start:min(start+chunk, len(msgs))]
		futures := make([]jetstream.PubAckFuture, 0, len(part))
		var errs error
		for _, m := range part {
			f, err := r.js.PublishMsgAsync(&nats.Msg{Subject: m.Subject, Data: m.Data}, jetstream.WithMsgID(m.MsgID))
			if err != nil {
				errs = fmt.Errorf("publish %s: %w", m.Subject, err)
				break
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				errs = errors.Join(errs, fmt.Errorf("publish %s: %w", f.Msg().Subject, err))
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if errs != nil {
			return errs
		}
	}
	return nil
}
