package client

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/consume"
	"github.com/athlos/athlos/modules/client/internal/rpc"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/platform"
)

// GrantSource is a module that grants app users real-time subjects of
// its own at connect time (package modules lists them from each module's
// api): the client module's auth callout asks each, and closes a user's
// app connections when the module says the user's grants changed.
type GrantSource struct {
	// Module names it.
	Module string
	// Subject is its grants RPC (api.RealtimeGrantsRequest →
	// api.RealtimeGrants).
	Subject string
	// Prefix is what every subject it grants starts with.
	Prefix string
	// Changed is its event saying users' grants changed
	// (api.RealtimeGrantsChanged), in its stream.
	Changed string
}

// Module wires the client module with cfg: its service on rpc.client.*,
// the signing keys (created on first start, reloaded when another process
// rotates them), the clean-up of expired refresh tokens, and the auth
// callout, which asks the modules of cfg.Grants for their grants.
func Module(cfg Config) fx.Option {
	return platform.Module(api.Module, fx.Supply(cfg), fx.Invoke(start))
}

func start(sctx platform.StartContext, lc fx.Lifecycle, pcfg *platform.Config, cfg Config,
	rt *platform.Runtime, key platform.SecretKey, emb *bus.Embedded) error {
	s, err := service.New(rt.DB, key, service.HashConcurrency(), rt.Log, rt.Idempotency)
	if err != nil {
		return err
	}
	s.SetAccessTokenTTL(cfg.AccessTokenTTL)
	if err := s.EnsureKeys(sctx); err != nil {
		return err
	}
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	if err := startCallout(sctx, lc, pcfg, rt, key, emb, s, cfg.Grants); err != nil {
		return err
	}
	consume.Register(rt, s)
	// Another process rotated the keys: load them at once (and every few
	// minutes anyway, in case the event was missed).
	sub, err := rt.Bus.NC.Subscribe(api.EventKeysRotated, func(*nats.Msg) {
		if err := s.LoadKeys(context.Background()); err != nil {
			rt.Log.Warn("reload signing keys", "err", err)
		}
	})
	if err != nil {
		return err
	}
	rt.OnStop(func(context.Context) error { return sub.Unsubscribe() })
	rt.Go("refresh token clean-up", func(ctx context.Context) { s.Maintain(ctx, 5*time.Minute) })
	return nil
}
