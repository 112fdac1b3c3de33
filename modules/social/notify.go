package social

import (
	"context"
	"fmt"
	"time"

	"github.com/athlos/athlos/modules/social/internal/consume"
	"github.com/athlos/athlos/modules/social/internal/publish"
	"github.com/athlos/athlos/modules/social/internal/push"
	"github.com/athlos/athlos/modules/social/internal/rpc"
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/platform"
)

// startNotify wires the notifications: their use cases on
// rpc.social.notifications.*, notify_settings.*, push_tokens.* and
// groups.mute|unmute, the relay that sends what the fan-out wrote
// (publish.Notifier), the consumers of the events that become
// notifications (consume.RegisterNotify) and the sweep of old
// notifications.
func startNotify(rt *platform.Runtime, cfg Config) (*service.Notify, error) {
	pusher, now := cfg.Pusher, cfg.Now
	if pusher == nil {
		pusher = push.Log{Logger: rt.Log.With("component", "push")}
	}
	if now == nil {
		now = time.Now
	}
	n := service.NewNotify(rt.DB, rt.Log, now, pusher)
	if err := rpc.RegisterNotify(rt.Service, n); err != nil {
		return nil, err
	}
	consume.RegisterNotify(rt, n)
	relay, err := publish.NewNotifier(rt.DB, rt.Bus.NC, n, rt.Log.With("component", "notify-relay"))
	if err != nil {
		return nil, fmt.Errorf("social: %w", err)
	}
	rt.Go("notification relay", relay.Run)
	rt.Every("notification sweep", time.Hour, func(ctx context.Context) {
		if k, err := n.Sweep(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("sweeping old notifications", "err", err)
		} else if k > 0 {
			rt.Log.Debug("old notifications swept", "notifications", k)
		}
	})
	return n, nil
}
