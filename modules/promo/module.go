package promo

import (
	"go.uber.org/fx"

	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/platform"
)

// Module wires the promo module: its RPC service, database pool and outbox
// relay (platform.Module), and its parts.
func Module() fx.Option { return platform.Module(api.Module, fx.Invoke(start)) }

// start starts the module's parts, each from a function in its own file:
// the user facts (facts.go), which erase a deleted user with the erasers
// the other parts give; the news (news.go), which keep nothing per user;
// the offers (offers.go), which give an eraser.
func start(rt *platform.Runtime) error {
	var erasers []facts.Eraser
	if err := promoNews(rt); err != nil {
		return err
	}
	offersEraser, err := promoOffers(rt)
	if err != nil {
		return err
	}
	erasers = append(erasers, offersEraser)
	return userFacts(rt, erasers...)
}
