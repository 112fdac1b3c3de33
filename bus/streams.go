package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream names kept by JetStream besides the per-module event streams.
const (
	StreamTelemetry = "TELEMETRY"
	StreamChat      = "CHAT"
	StreamNotify    = "NOTIFY"
)

// EventStream is the name of the stream that keeps a module's events.
func EventStream(module string) string { return "EVT_" + strings.ToUpper(module) }

// The bounds of the streams (besides their sizes, SizeStreams). A
// publish past one is refused with an error the publisher sees.
const (
	// TelemetryMaxMsgSize is the largest telemetry message: about 3,000
	// points (an app sends a few a second; a larger batch goes over HTTP).
	TelemetryMaxMsgSize = 256 << 10
	// TelemetryMaxPerSession bounds the messages of one session waiting
	// to be stored (an hour of 1 Hz messages is 3,600).
	TelemetryMaxPerSession = 10_000
	// EventMaxMsgSize, ChatMaxMsgSize and NotifyMaxMsgSize bound the
	// other streams' messages. A chat event carries a message of up to
	// 4,000 characters, which JSON may write in up to 24,000 bytes (a
	// "<" is \u003c), and its envelope.
	EventMaxMsgSize  = 1 << 20
	ChatMaxMsgSize   = 64 << 10
	NotifyMaxMsgSize = 16 << 10
)

// Streams returns the platform's stream configurations: one event stream
// per module plus telemetry, chat and notifications. PostgreSQL is the
// system of record; streams keep enough history for consumers to catch up
// after an outage and for the app to resume a live view.
//
// TELEMETRY is a work queue: a message stays until the training module
// has stored its points (or refused them for good), then it goes, so the
// stream holds only what PostgreSQL does not hold yet; when it is full it
// refuses new messages (it never drops one it acknowledged). The event,
// chat and notification streams keep history: when full, the oldest go.
// SizeStreams gives each its size.
func Streams(modules []string, replicas int) []jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	var out []jetstream.StreamConfig
	for _, m := range modules {
		out = append(out, jetstream.StreamConfig{
			Name:        EventStream(m),
			Description: "domain events of the " + m + " module",
			Subjects:    []string{"evt." + m + ".>"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      30 * 24 * time.Hour,
			MaxMsgSize:  EventMaxMsgSize,
			Discard:     jetstream.DiscardOld,
			Duplicates:  10 * time.Minute,
		})
	}
	out = append(out,
		jetstream.StreamConfig{
			Name:                 StreamTelemetry,
			Description:          "workout telemetry published by the app, until it is stored",
			Subjects:             []string{SubjectTelemetry + ">"},
			Storage:              jetstream.FileStorage,
			Replicas:             replicas,
			Retention:            jetstream.WorkQueuePolicy,
			MaxAge:               7 * 24 * time.Hour,
			MaxMsgSize:           TelemetryMaxMsgSize,
			MaxMsgsPerSubject:    TelemetryMaxPerSession,
			Discard:              jetstream.DiscardNew,
			DiscardNewPerSubject: true,
			Duplicates:           2 * time.Minute,
		},
		jetstream.StreamConfig{
			Name:        StreamChat,
			Description: "group chat messages",
			Subjects:    []string{SubjectChat + ">"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      30 * 24 * time.Hour,
			MaxMsgSize:  ChatMaxMsgSize,
			Discard:     jetstream.DiscardOld,
			Duplicates:  2 * time.Minute,
		},
		jetstream.StreamConfig{
			Name:        StreamNotify,
			Description: "per-user notifications",
			Subjects:    []string{SubjectNotify + ">"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      30 * 24 * time.Hour,
			MaxMsgSize:  NotifyMaxMsgSize,
			Discard:     jetstream.DiscardOld,
			Duplicates:  10 * time.Minute,
		},
	)
	return out
}

// minStreamBytes is the least a stream is made where JetStream has little
// room.
const minStreamBytes = 16 << 20

// Shares of the JetStream storage each stream may take (SizeStreams),
// and the most each takes whatever the storage.
var streamShares = map[string]struct {
	share float64
	max   int64
}{
	StreamTelemetry: {0.25, 8 << 30},
	StreamChat:      {0.10, 4 << 30},
	StreamNotify:    {0.05, 2 << 30},
	"EVT_":          {0.05, 2 << 30}, // each module's
}

// DefaultStreamBudget is the JetStream storage SizeStreams assumes when
// it does not know it (an external NATS whose account has no limit).
const DefaultStreamBudget int64 = 4 << 30

// SizeStreams gives each stream its size (MaxBytes) as a share of budget,
// the JetStream storage there is (JetStream reserves every stream's size
// on its disk up front, so the shares, with the uploads store's, leave a
// quarter of it free); budget <= 0 means DefaultStreamBudget.
func SizeStreams(streams []jetstream.StreamConfig, budget int64) []jetstream.StreamConfig {
	if budget <= 0 {
		budget = DefaultStreamBudget
	}
	out := make([]jetstream.StreamConfig, len(streams))
	for i, cfg := range streams {
		sh, ok := streamShares[cfg.Name]
		if !ok && strings.HasPrefix(cfg.Name, "EVT_") {
			sh, ok = streamShares["EVT_"]
		}
		if ok {
			cfg.MaxBytes = min(sh.max, int64(float64(budget)*sh.share))
		}
		out[i] = cfg
	}
	return out
}

// EnsureStreams creates or updates each stream. It is idempotent and safe
// to run from several processes at once; while a cluster is still electing
// its leader it retries until ctx ends.
//
// The streams are created all at once: on a new cluster the answer to a
// create waits for the stream's replicas to elect a leader, 4 to 9 s
// (NATS's election timeout), and one stream after the other, a fresh
// three-node cluster took 47 s to start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, streams []jetstream.StreamConfig) error {
	errs := make([]error, len(streams))
	var wg sync.WaitGroup
	for i, cfg := range streams {
		wg.Go(func() {
			err := retryJS(ctx, func(ctx context.Context) error {
				_, err := js.CreateOrUpdateStream(ctx, cfg)
				return err
			})
			if err != nil && strings.Contains(err.Error(), "retention") {
				// An older release made it with another retention, which
				// JetStream does not change in place.
				err = recreate(ctx, js, cfg)
			}
			if err != nil && insufficientStorage(err) && exists(ctx, js, cfg.Name) {
				// The stream is there, and the account's storage is capped
				// (a disk low somewhere): it stays as it is for now.
				err = nil
			}
			// JetStream has less room than the stream's size: smaller.
			for err != nil && insufficientStorage(err) && cfg.MaxBytes > minStreamBytes && ctx.Err() == nil {
				cfg.MaxBytes /= 2
				err = retryJS(ctx, func(ctx context.Context) error {
					_, err := js.CreateOrUpdateStream(ctx, cfg)
					return err
				})
			}
			if err != nil {
				errs[i] = fmt.Errorf("bus: ensure stream %s: %w", cfg.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// recreate makes a stream anew with cfg, when every consumer of the old one
// has taken and acknowledged all of it (what it still holds is stored
// elsewhere: TELEMETRY's points are in PostgreSQL). Otherwise the stream
// stays as it is until a later start finds it drained.
func recreate(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) error {
	st, err := js.Stream(ctx, cfg.Name)
	if err != nil {
		return err
	}
	consumers := st.ListConsumers(ctx)
	n := 0
	for ci := range consumers.Info() {
		n++
		if ci.NumPending > 0 || ci.NumAckPending > 0 {
			return nil
		}
	}
	if err := consumers.Err(); err != nil {
		return err
	}
	if n == 0 && st.CachedInfo().State.Msgs > 0 {
		return nil
	}
	if err := js.DeleteStream(ctx, cfg.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return err
	}
	_, err = js.CreateOrUpdateStream(ctx, cfg)
	return err
}

// exists reports whether a stream exists.
func exists(ctx context.Context, js jetstream.JetStream, name string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := js.Stream(ctx, name)
	return err == nil
}

// EnsureConsumer creates or updates a durable consumer on a stream. Like
// EnsureStreams it is idempotent and retried while the cluster settles.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	var cons jetstream.Consumer
	err := retryJS(ctx, func(ctx context.Context) error {
		var err error
		cons, err = js.CreateOrUpdateConsumer(ctx, stream, cfg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bus: ensure consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	return cons, nil
}

// retryJS retries a JetStream API call on errors that mean "not yet"
// (no leader, timeouts, a concurrent creator) until ctx ends.
func retryJS(ctx context.Context, fn func(context.Context) error) error {
	delay := 100 * time.Millisecond
	// Short at first: a server that does not yet know its cluster's meta
	// leader drops JetStream API requests without an answer, and the call
	// only succeeds when made again. Longer each time after, so that a
	// busy JetStream is not sent the same request over and over.
	wait := 2 * time.Second
	for {
		callCtx, cancel := context.WithTimeout(ctx, wait)
		wait = min(2*wait, 30*time.Second)
		err := fn(callCtx)
		cancel()
		if err == nil || !transientJS(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(delay*2, 2*time.Second)
	}
}

func transientJS(err error) bool {
	if errors.Is(err, errStreamSettling) {
		return true
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case jetstream.JSErrCodeStreamNameInUse, jetstream.JSErrCodeConsumerAlreadyExists,
			jetstream.JSErrCodeJetStreamNotEnabled:
			return true
		}
		// 503 "JetStream system temporarily unavailable", 10008 cluster not
		// ready, 10023 insufficient resources while peers join.
		return apiErr.Code == 503 || apiErr.ErrorCode == 10008 || apiErr.ErrorCode == 10023
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) ||
		strings.Contains(err.Error(), "no responders") || strings.Contains(err.Error(), "timeout")
}
