package promo

import (
	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/platform"
)

// userFacts starts the user facts read model (its consumers, the erasure
// of a deleted user with erasers, the consent operations and the prune of
// old sessions; internal/facts).
func userFacts(rt *platform.Runtime, erasers ...facts.Eraser) error {
	return facts.Register(rt, erasers...)
}
