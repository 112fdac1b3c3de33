// Package facts is promo's read model of its users: what promo knows of a
// user for targeting offers and ranking news, kept from the client,
// training and gamification events (consume.go), never from their schemas,
// and the user's marketing consent (promo is its system of record).
//
// Only facts the user gave the platform and safe activity facts are kept:
// country, language, birth date, registration time, sports and how often
// they train, gear and its wear, challenges. Health data (weight, heart
// rates, training load and whatever is computed from them) is never
// stored: the events that carry some are read without it.
//
// Load reads a user's facts; Personalisable says whether targeting may use
// them (known, not objected, an adult by a known birth date).
package facts

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// Windows of the activity facts.
const (
	// SportsWindow: Facts.Sports are the sports of the sessions started in
	// the last 90 days; older sessions are pruned (Prune).
	SportsWindow = 90 * 24 * time.Hour
	// ActivityWindow: Facts.SessionsPerWeek counts the sessions started in
	// the last 28 days, divided by 4.
	ActivityWindow = 28 * 24 * time.Hour
	// AdultAge is the age from which facts may be used for targeting: no
	// profiling-based offers to minors (DSA Art. 28(2)).
	AdultAge = 18
)

// Facts are what promo knows of a user, for targeting: only facts the user
// gave the platform and safe activity facts. Never health data (heart
// rate, weight, training load).
type Facts struct {
	UserID uuid.UUID
	// Known: a registration (or profile) event was applied.
	Known bool
	// RegisteredAt is zero while only a profile event came (moments after
	// sign-up, events of two subjects may arrive in either order).
	RegisteredAt time.Time
	// BirthDate is a date at UTC midnight; nil: unknown.
	BirthDate *time.Time
	// Country is ISO 3166-1 alpha-2 upper case, "" unknown.
	Country string
	// Language is the interface language, BCP 47 as the profile has it,
	// e.g. "de", "pt-BR".
	Language string
	// Sports are the sports with a finished session in the last 90 days,
	// most sessions first (then by name).
	Sports []string
	// SessionsPerWeek is the number of finished sessions started in the
	// last 28 days, divided by 4.
	SessionsPerWeek float64
	// Gear are the user's items that are not retired, by id.
	Gear []Gear
	// Challenges are the challenges the user takes part in now (joined,
	// not left), by id.
	Challenges []uuid.UUID
	// Objected: the user objected to personalised offers (GDPR Art. 21).
	Objected bool
}

// Gear is one item of the user's gear, for gear-based targeting.
type Gear struct {
	ID uuid.UUID
	// Type is the client module's gear type: shoes, bike, ...
	Type string
	// DistanceM is the item's distance as of its last gear event
	// (created, updated, a session moving its totals, or the crossing of
	// its replacement threshold).
	DistanceM             float64
	ReplacementThresholdM *float64
}

// Age is the user's age in whole years at now (in UTC), false when the
// birth date is unknown. A user born on 29 February turns a year older on
// 1 March in other years.
func (f Facts) Age(now time.Time) (int, bool) {
	if f.BirthDate == nil {
		return 0, false
	}
	b, n := f.BirthDate.UTC(), now.UTC()
	age := n.Year() - b.Year()
	if n.Month() < b.Month() || (n.Month() == b.Month() && n.Day() < b.Day()) {
		age--
	}
	return age, true
}

// WornFraction is DistanceM / ReplacementThresholdM (false without a
// positive threshold).
func (g Gear) WornFraction() (float64, bool) {
	if g.ReplacementThresholdM == nil || *g.ReplacementThresholdM <= 0 {
		return 0, false
	}
	return g.DistanceM / *g.ReplacementThresholdM, true
}

// Personalisable says targeting may use the facts: Known, not Objected,
// age known and at least AdultAge. Everyone else gets untargeted offers
// only.
func (f Facts) Personalisable(now time.Time) bool {
	if !f.Known || f.Objected {
		return false
	}
	age, ok := f.Age(now)
	return ok && age >= AdultAge
}

// Querier is a pool or a transaction (pgxpool.Pool, pgx.Tx, pgx.Conn).
type Querier = storage.Querier

// Eraser erases what a part of promo keeps of a user (impressions,
// caps...), in the transaction that erases the user's facts.
type Eraser func(ctx context.Context, tx pgx.Tx, user uuid.UUID) error
