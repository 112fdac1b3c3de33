package promo

import (
	"context"

	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/modules/promo/internal/offerrpc"
	"github.com/athlos/athlos/modules/promo/internal/offerservice"
	"github.com/athlos/athlos/platform"
)

// promoOffers starts the offers (internal/offerservice): their operations,
// and in every process the reload of the active offers (CacheReload), the
// sweep of expired reservations, the count of requests per hour and the
// pacing curve, and the prune of old cap windows. It returns the eraser
// of a deleted user's impressions, clicks, dismissals, reservations and
// caps.
func promoOffers(rt *platform.Runtime) (facts.Eraser, error) {
	s := offerservice.New(rt.DB, rt.Idempotency, rt.Log, nil)
	if err := offerrpc.Register(rt.Service, s); err != nil {
		return nil, err
	}
	rt.Every("offer cache reload", offerservice.CacheReload, func(ctx context.Context) {
		if err := s.Reload(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("reloading the active offers", "err", err)
		}
	})
	rt.Every("offer reservation sweep", offerservice.SweepEvery, func(ctx context.Context) {
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("sweeping expired offer reservations", "err", err)
		} else if n > 0 {
			rt.Log.Debug("expired offer reservations given back", "reservations", n)
		}
	})
	rt.Every("offer request count", offerservice.FlushEvery, func(ctx context.Context) {
		if err := s.FlushRequests(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("counting offer requests", "err", err)
		}
	})
	rt.Every("offer pacing curve", offerservice.CurveReload, func(ctx context.Context) {
		if err := s.ReloadCurve(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("reading the pacing curve", "err", err)
		}
		if err := s.PruneCaps(ctx); err != nil && ctx.Err() == nil {
			rt.Log.Warn("pruning cap windows", "err", err)
		}
	})
	return offerservice.Eraser(), nil
}
