package social

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
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
// notifications. The relay sends notify.<user> only to users with an app
// connected (bus.Presence on the system account), or to everyone when the
// system account is out of reach (an external NATS without its
// credentials).
func startNotify(sctx platform.StartContext, rt *platform.Runtime, lc fx.Lifecycle, pcfg *platform.Config, emb *bus.Embedded,
	reg *prometheus.Registry, cfg Config, chat *service.Chat) (*service.Notify, error) {
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
	sys, err := platform.ConnectSystem(sctx, lc, pcfg, emb, "athlos:social:system", rt.Log)
	if err != nil {
		return nil, fmt.Errorf("social: who is online, for notifications: %w", err)
	}
	if sys != nil {
		presence := bus.NewPresence(sys, bus.AppAccount, rt.Log.With("component", "presence"))
		n.Online = presence.Online
		if err := reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "athlos_social_app_users_online",
			Help: "App users with a NATS connection open anywhere on the cluster, as the notification relay knows them " +
				"(athlos's own app-account connections count as one)."},
			func() float64 { return float64(presence.Count()) })); err != nil {
			return nil, err
		}
		lc.Append(fx.Hook{OnStart: presence.Start, OnStop: func(context.Context) error { presence.Stop(); return nil }})
	} else {
		rt.Log.Info("no NATS system account credentials (--nats-system-password or --nats-system-creds): " +
			"notifications go to every recipient's notify.<user>, online or not")
	}
	relay.Sent = chat.PublishSystem
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
