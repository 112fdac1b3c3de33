package client

import (
	"context"
	"time"

	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/consume"
	"github.com/athlos/athlos/modules/client/internal/peers"
	"github.com/athlos/athlos/modules/client/internal/rpc"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/platform"
)

// Module wires the client module with cfg: its service on rpc.client.*,
// the signing keys (created on first start, reloaded when another process
// rotates them), the clean-up of expired refresh tokens, and the auth
// callout, which asks the modules of cfg.Grants for their grants.
func Module(cfg Config) fx.Option {
	return platform.Module(api.Module, fx.Supply(cfg), fx.Invoke(start))
}

// exportPoll is how often a process looks for exports to build (a
// request served by the process itself wakes it at once).
const exportPoll = 5 * time.Second

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
	if err := consume.Register(rt, s); err != nil {
		return err
	}
	rt.Every("signing keys and refresh tokens", 5*time.Minute, s.Maintain)
	// Data exports: built by whichever process claims them first (a job
	// row each, resumed after a crash), deleted after their seven days.
	s.SetExportSources(peers.New(rt.Bus.NC), nil)
	rt.Go("data exports", func(ctx context.Context) { s.ExportLoop(ctx, exportPoll) })
	rt.Every("expired data exports", 10*time.Minute, func(ctx context.Context) { s.ExpireExports(ctx) })
	return nil
}
