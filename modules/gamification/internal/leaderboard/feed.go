package leaderboard

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
)

// Feed is this process's own follower of api.EventLeaderboardChanged: an
// ordered consumer (ephemeral, not shared with other processes; it
// starts at the newest message) handing each message to Live. Boards load
// only while it runs; should it fail (a gap it cannot recover), Live
// drops its boards and they load again.
type Feed struct {
	live *Live
	js   jetstream.JetStream
	cc   jetstream.ConsumeContext
	stop context.CancelFunc
}

// NewFeed makes a feed of live from js.
func NewFeed(live *Live, js jetstream.JetStream) *Feed { return &Feed{live: live, js: js} }

// Start creates the consumer and starts Live's worker.
func (f *Feed) Start(ctx context.Context) error {
	cons, err := f.js.OrderedConsumer(ctx, bus.EventStream(api.Module), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{api.EventLeaderboardChanged},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return fmt.Errorf("leaderboard: feed: %w", err)
	}
	f.cc, err = cons.Consume(func(m jetstream.Msg) {
		slots, users, err := boardstore.Decode(m.Data())
		if err != nil {
			f.live.log.Warn("a leaderboard change that can't be read", "err", err)
			return
		}
		f.live.Changed(slots, users)
	}, jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		f.live.log.Warn("leaderboard feed; boards in memory dropped (they load again)", "err", err)
		f.live.Reset()
	}))
	if err != nil {
		return fmt.Errorf("leaderboard: feed: %w", err)
	}
	// Live's worker starts once the consumer runs (a failed start, tried
	// again, starts none); messages wait for it in its queue.
	runCtx, cancel := context.WithCancel(context.Background())
	f.stop = cancel
	go f.live.run(runCtx)
	f.live.setStarted(true)
	return nil
}

// Stop stops the consumer and Live's worker; reads go to SQL.
func (f *Feed) Stop(context.Context) error {
	f.live.setStarted(false)
	if f.cc != nil {
		f.cc.Stop()
	}
	if f.stop != nil {
		f.stop()
	}
	return nil
}
