package social

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/internal/ingress"
	"github.com/athlos/athlos/modules/social/internal/publish"
	"github.com/athlos/athlos/modules/social/internal/rpc"
	"github.com/athlos/athlos/modules/social/internal/service"
	"github.com/athlos/athlos/platform"
)

// startChat wires the group chat: its use cases on rpc.social.chat.* and
// rpc.social.realtime.grants, its events on chat.<group> (publish, and the
// loop that forgets what was published and sweeps what was not), and the
// app's chat.in.<user>.<group> in the app account (ingress).
func startChat(sctx platform.StartContext, rt *platform.Runtime, lc fx.Lifecycle, pcfg *platform.Config, emb *bus.Embedded,
	reg *prometheus.Registry) (*service.Chat, error) {
	c := service.NewChat(rt.DB, rt.Log, service.ChatBudget, publish.Chat{JS: rt.Bus.JS})
	rt.Go("chat deliveries", c.RunDeliveries)
	if err := rpc.RegisterChat(rt.Service, c); err != nil {
		return nil, err
	}
	app, err := platform.ConnectApp(sctx, lc, pcfg, emb, "athlos:social:app", rt.Log)
	if err != nil {
		return nil, fmt.Errorf("social answers the app's chat messages in the app account: %w", err)
	}
	in := ingress.NewChat(app, rt.Bus.NC, c, rt.Log.With("component", "chat-ingress"))
	if err := reg.Register(in); err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{OnStart: func(context.Context) error { return in.Start() }, OnStop: in.Stop})
	return c, nil
}
