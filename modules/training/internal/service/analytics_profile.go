package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/training/internal/store"
)

// ProfileFacts are what analytics keep of a user's profile: the IANA time
// zone of the user's days and the heart rates of the load.
type ProfileFacts struct {
	User         uuid.UUID
	TimeZone     string
	RestingHRBpm *int
	MaxHRBpm     *int
	UpdatedAt    time.Time
}

// SaveProfileFacts keeps the analytics' part of a profile, in tx, after
// SaveProfile; an older profile than the one kept changes nothing. A time
// zone this machine does not know is kept as given and read as UTC.
func (s *Service) SaveProfileFacts(ctx context.Context, tx pgx.Tx, p ProfileFacts) error {
	return store.SaveAthleteFacts(ctx, tx, p.User, p.TimeZone, p.RestingHRBpm, p.MaxHRBpm, p.UpdatedAt)
}

// GearFacts are what the gear rule needs of an item of gear (from the
// client module's gear events).
type GearFacts struct {
	Gear                  uuid.UUID
	Name                  string
	StartingDistanceM     float64
	ReplacementThresholdM *float64
	Retired               bool
	At                    time.Time
}

// SaveGearFacts keeps an item's name, starting and replacement distances
// and whether it is retired, in tx, after SaveGearOwner; older facts than
// those kept change nothing.
func (s *Service) SaveGearFacts(ctx context.Context, tx pgx.Tx, g GearFacts) error {
	return store.SaveGearFacts(ctx, tx, g.Gear, store.GearFacts{Name: g.Name, StartingDistanceM: g.StartingDistanceM,
		ReplacementThresholdM: g.ReplacementThresholdM, Retired: g.Retired, At: g.At})
}
