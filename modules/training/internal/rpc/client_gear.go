package rpc

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
)

// GearLookup asks the client module whether a user owns an item of gear:
// rpc.client.gear.get, on the user's behalf, answers it only to its owner.
type GearLookup struct{ NC *nats.Conn }

// OwnsGear implements service.GearLookup.
func (g GearLookup) OwnsGear(ctx context.Context, user, gear uuid.UUID) (bool, error) {
	data, err := json.Marshal(clientapi.GearIDRequest{ID: gear.String()})
	if err != nil {
		return false, err
	}
	// The request that asks is user's own (its role and session go on);
	// otherwise the lookup is made as user.
	if c, ok := bus.CallerFrom(ctx); !ok || c.UserID != user.String() {
		ctx = bus.WithCaller(ctx, bus.Caller{UserID: user.String()})
	}
	_, err = bus.Request(ctx, g.NC, clientapi.SubjectGearGet, data, nil)
	switch bus.CodeOf(err) {
	case "":
		return true, nil
	case bus.CodeNotFound, bus.CodeInvalid:
		return false, nil
	}
	return false, err
}
