package client

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/rpc"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/platform"
)

// Module wires the client module: its service on rpc.client.*, the signing
// keys (created on first start, reloaded when another process rotates
// them), and the clean-up of expired refresh tokens.
var Module = platform.Module(api.Module, fx.Invoke(start))

func start(sctx platform.StartContext, lc fx.Lifecycle, cfg *platform.Config, rt *platform.Runtime, key platform.SecretKey, emb *bus.Embedded) error {
	s, err := service.New(rt.DB, key, service.HashConcurrency(), rt.Log, rt.Idempotency)
	if err != nil {
		return err
	}
	s.SetAccessTokenTTL(cfg.Client.AccessTokenTTL)
	if err := s.EnsureKeys(sctx); err != nil {
		return err
	}
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	if err := rpc.RegisterGear(rt.Service, s); err != nil {
		return err
	}
	if err := startCallout(sctx, lc, cfg, rt, key, emb, s); err != nil {
		return err
	}
	consumeSessions(rt, s)
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				s.Maintain(ctx, 5*time.Minute)
			}()
			return nil
		},
		OnStop: func(context.Context) error {
			cancel()
			<-done
			return sub.Unsubscribe()
		},
	})
	return nil
}
