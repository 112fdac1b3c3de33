package service

import (
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/gear"
)

// GearView is the item as the API shows it: the answer of the gear
// operations, the gear events' payload, and the answer an idempotency key
// keeps (bus.Once), so one mapping serves the three.
func GearView(g gear.Gear) api.Gear {
	v := api.Gear{
		ID: g.ID.String(), Type: g.Type, Brand: g.Brand, Model: g.Model, Nickname: g.Nickname, Name: g.Name(),
		PurchaseDate: g.PurchaseDay(), StartingDistanceM: g.StartingDistanceM, ReplacementThresholdM: g.ThresholdM,
		DefaultFor: g.DefaultFor, Retired: g.Retired,
		DistanceM: g.DistanceM(), MovingTimeS: g.MovingTimeS, Sessions: g.Sessions, LastUsedAt: g.LastUsedAt,
		WearLimitReached: g.WearLimitReached(),
		Components:       make([]api.Component, 0, len(g.Components)),
		CreatedAt:        g.CreatedAt, UpdatedAt: g.UpdatedAt,
	}
	if v.DefaultFor == nil {
		v.DefaultFor = []string{}
	}
	for _, c := range g.Components {
		v.Components = append(v.Components, api.Component{
			ID: c.ID.String(), Type: c.Type, Brand: c.Brand, Model: c.Model, InstalledAt: c.InstalledAt,
			ReplacementThresholdM: c.ThresholdM, DistanceM: c.DistanceM, MovingTimeS: c.MovingTimeS, Sessions: c.Sessions,
			WearLimitReached: c.WearLimitReached(),
		})
	}
	return v
}

// wearEvent is the payload that announces w, a worn-out part of g (the
// session that crossed the threshold, when one did).
func wearEvent(g gear.Gear, w gear.Wear, session uuid.UUID, now time.Time) api.GearWearLimitReached {
	ev := api.GearWearLimitReached{UserID: g.UserID.String(), GearID: g.ID.String(), GearType: g.Type, GearName: g.Name(),
		ComponentType: w.ComponentType, DistanceM: w.DistanceM, ReplacementThresholdM: w.ThresholdM, ReachedAt: now}
	if w.ComponentID != uuid.Nil {
		ev.ComponentID = w.ComponentID.String()
	}
	if session != uuid.Nil {
		ev.SessionID = session.String()
	}
	return ev
}
