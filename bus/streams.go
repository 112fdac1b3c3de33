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

// Streams returns the platform's stream configurations: one event stream
// per module plus telemetry, chat and notifications. PostgreSQL is the
// system of record; streams keep enough history for consumers to catch up
// after an outage and for the app to resume a live view.
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
			Duplicates:  10 * time.Minute,
		})
	}
	out = append(out,
		jetstream.StreamConfig{
			Name:        StreamTelemetry,
			Description: "workout telemetry published by the app",
			Subjects:    []string{"live.telemetry.>"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      7 * 24 * time.Hour,
			Duplicates:  2 * time.Minute,
		},
		jetstream.StreamConfig{
			Name:        StreamChat,
			Description: "group chat messages",
			Subjects:    []string{"chat.>"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      30 * 24 * time.Hour,
			Duplicates:  2 * time.Minute,
		},
		jetstream.StreamConfig{
			Name:        StreamNotify,
			Description: "per-user notifications",
			Subjects:    []string{"notify.>"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      30 * 24 * time.Hour,
			Duplicates:  10 * time.Minute,
		},
	)
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
			if err != nil && insufficientStorage(err) && exists(ctx, js, cfg.Name) {
				// The stream is there, and the account's storage is capped
				// (a disk low somewhere): it stays as it is for now.
				err = nil
			}
			if err != nil {
				errs[i] = fmt.Errorf("bus: ensure stream %s: %w", cfg.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
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
