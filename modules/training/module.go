package training

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/consume"
	"github.com/athlos/athlos/modules/training/internal/ingress"
	"github.com/athlos/athlos/modules/training/internal/publish"
	"github.com/athlos/athlos/modules/training/internal/rpc"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/platform"
)

// Module wires the training module with cfg: its service on
// rpc.training.*, the app's telemetry (ingress), its consumers of the
// client module's events, the sweep of idle sessions and the daily
// adaptation of training plans
// (platform.Module gives it its RPC service, database pool, outbox relay
// and idempotency keys).
func Module(cfg Config) fx.Option {
	return platform.Module(api.Module, fx.Supply(cfg), fx.Invoke(start))
}

func start(sctx platform.StartContext, rt *platform.Runtime, lc fx.Lifecycle, pcfg *platform.Config, cfg Config,
	reg *prometheus.Registry, emb *bus.Embedded) error {
	feed := publish.LiveFigures(rt.Bus.NC, rt.Log)
	rt.OnStop(func(ctx context.Context) error { feed.Close(); return nil })
	s := service.New(rt.DB, feed.Offer, bus.NewUploadStore(rt.Bus.JS), rpc.GearLookup{NC: rt.Bus.NC}, rt.Idempotency)
	if err := rpc.Register(rt.Service, s); err != nil {
		return err
	}
	if err := rpc.RegisterLivePage(rt.Service, s, rpc.UserNames{NC: rt.Bus.NC}, cfg.LiveCredentialTTL); err != nil {
		return err
	}
	if err := ingress.Start(sctx, lc, pcfg, rt, emb, s, reg); err != nil {
		return err
	}
	consume.Register(rt, s)
	rt.Every("idle session sweep", time.Minute, s.IdleSweep(cfg.IdleTimeout, rt.Log))
	rt.Every("daily plan adaptation", 10*time.Minute, s.PlanSweep(rt.Log))
	rt.Go("analytics backfill", s.BackfillAnalytics(rt.Log))
	return nil
}
