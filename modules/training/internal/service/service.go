// Package service holds the training module's use cases. A method takes
// the caller explicitly (user, resolved by the adapter that received the
// request) and plain or domain input; it combines the domain rules with
// the store and returns *bus.Error for everything a caller did wrong, the
// codes named in its doc comment. It never sees a NATS type.
package service

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// Service runs the training module's use cases.
type Service struct {
	pool    *pgxpool.Pool
	live    func(owner string, s api.LiveStats, hidePosition bool)
	uploads Uploads
	gear    GearLookup
	imports chan struct{} // one token per import running
	decoder telemetry.Decoder
	keys    *bus.Idempotency
}

// New returns the service. live, when not nil, is given a session's live
// figures, with the session's owner, after each change is committed
// (points stored, paused, resumed, finished), and whether their position
// must be left out of what watchers receive (the owner's privacy zones
// hide it); it must not block. uploads
// reads imported files; gear, when not nil, answers for gear training has
// not heard of yet (without it, such gear is refused). keys keeps the
// idempotency keys of the creating use cases (sessions, devices, share
// links); nil takes none.
func New(pool *pgxpool.Pool, live func(owner string, s api.LiveStats, hidePosition bool), uploads Uploads, gear GearLookup, keys *bus.Idempotency) *Service {
	if live == nil {
		live = func(string, api.LiveStats, bool) {}
	}
	return &Service{pool: pool, live: live, uploads: uploads, gear: gear, imports: make(chan struct{}, ConcurrentImports), keys: keys}
}

// The errors of a session or device that is not the caller's: another
// user's is "not found", like an unknown one.
var (
	errNoSession = &bus.Error{Code: bus.CodeNotFound, Message: "no such session"}
	errNoDevice  = &bus.Error{Code: bus.CodeNotFound, Message: "no such device"}
)
