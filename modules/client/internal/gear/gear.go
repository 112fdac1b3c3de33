// Package gear holds the rules of a user's gear: which items and
// components are valid, how a partial update applies, how recorded
// sessions add up, and when an item or a component is worn out. It has no
// SQL, NATS or fx in it.
package gear

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/internal/kit/sport"
)

// Limits.
const (
	// MaxItems is how many items (retired included, deleted not) a user
	// may have.
	MaxItems = 100
	// MaxComponents is how many components an item may have.
	MaxComponents = 20
	// MaxText bounds brand, model and nickname, in characters.
	MaxText = 100
	// MaxDistanceM bounds every distance a user gives.
	MaxDistanceM = 1e8
	// MaxGearPerSession bounds how many items one session counts for.
	MaxGearPerSession = 20
	// dateLayout is the form of a purchase date.
	dateLayout = "2006-01-02"
	// clockSkew is how far in the future a date or time may be (time
	// zones, clocks).
	clockSkew = 36 * time.Hour
)

// Bike is the gear type that has components.
const Bike = "bike"

// Types lists every gear type, in the order the app shows them (after
// what Strava and Garmin Connect track plus the usual others).
var Types = []string{"shoes", Bike, "wetsuit", "skis", "snowboard", "paddle", "boat", "rowing_machine", "treadmill",
	"indoor_trainer", "other"}

// ComponentTypes lists the parts of a bike whose wear is tracked.
var ComponentTypes = []string{"chain", "cassette", "chainring", "crankset", "bottom_bracket", "derailleur",
	"tyre_front", "tyre_rear", "tube_front", "tube_rear", "wheel_front", "wheel_rear", "brake_pads", "brake_rotor",
	"cables", "bar_tape", "saddle", "pedals", "fork", "shock", "battery", "other"}

// Gear is one item and its components.
type Gear struct {
	ID                uuid.UUID
	UserID            uuid.UUID
	Type              string
	Brand             *string
	Model             *string
	Nickname          *string
	PurchaseDate      *time.Time // a date (UTC midnight)
	StartingDistanceM float64
	ThresholdM        *float64
	Retired           bool
	DefaultFor        []string // sports, in the order of sport.All
	// Recorded totals (without the starting distance).
	UsageDistanceM float64
	MovingTimeS    float64
	Sessions       int
	LastUsedAt     *time.Time
	// WearNotifiedAt is when the wear limit was announced, nil while it has
	// not been (or the threshold changed since).
	WearNotifiedAt *time.Time
	Components     []Component
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Component is a part of a bike.
type Component struct {
	ID             uuid.UUID
	Type           string
	Brand          *string
	Model          *string
	InstalledAt    time.Time
	ThresholdM     *float64
	DistanceM      float64
	MovingTimeS    float64
	Sessions       int
	WearNotifiedAt *time.Time
	// Recount marks a component whose totals must be recounted from the
	// item's usage records since InstalledAt (it is new, or was replaced).
	Recount bool
}

// DistanceM is the item's total distance: starting distance plus usage.
func (g Gear) DistanceM() float64 { return g.StartingDistanceM + g.UsageDistanceM }

// Name is what the app shows for the item: its nickname, else brand and
// model, else its type.
func (g Gear) Name() string {
	if g.Nickname != nil {
		return *g.Nickname
	}
	var parts []string
	for _, p := range []*string{g.Brand, g.Model} {
		if p != nil {
			parts = append(parts, *p)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, " ")
	}
	return g.Type
}

// Input describes a new item; only Type is required.
type Input struct {
	Type                  string
	Brand                 *string
	Model                 *string
	Nickname              *string
	PurchaseDate          *string // YYYY-MM-DD
	StartingDistanceM     *float64
	ReplacementThresholdM *float64
	DefaultFor            []string
	Retired               bool
	Components            []ComponentInput
}

// ComponentInput describes a component in a full list of them: with the
// ID of an existing component it keeps that component's identity and
// totals (and its installed time unless given: a new one is a
// replacement); without, it is a new component.
type ComponentInput struct {
	ID                    string
	Type                  string
	Brand                 *string
	Model                 *string
	InstalledAt           *time.Time
	ReplacementThresholdM *float64
}

// Patch changes an item (JSON merge patch semantics, package patch): an
// absent field stays, null clears an optional one, a value sets it. The
// type cannot change.
type Patch struct {
	Brand                 patch.Field[string]
	Model                 patch.Field[string]
	Nickname              patch.Field[string]
	PurchaseDate          patch.Field[string]
	StartingDistanceM     patch.Field[float64]
	ReplacementThresholdM patch.Field[float64]
	DefaultFor            patch.Field[[]string]
	Retired               patch.Field[bool]
	Components            patch.Field[[]ComponentInput]
}

// New builds a new item from in.
func New(in Input, id, user uuid.UUID, now time.Time, newID func() uuid.UUID) (Gear, error) {
	g := Gear{ID: id, UserID: user, CreatedAt: now, UpdatedAt: now}
	if !slices.Contains(Types, in.Type) {
		return g, fielderr.New("type", "must be one of %s", strings.Join(Types, ", "))
	}
	g.Type = in.Type
	var err error
	if g.Brand, err = CheckText("brand", in.Brand); err != nil {
		return g, err
	}
	if g.Model, err = CheckText("model", in.Model); err != nil {
		return g, err
	}
	if g.Nickname, err = CheckText("nickname", in.Nickname); err != nil {
		return g, err
	}
	if in.PurchaseDate != nil {
		if g.PurchaseDate, err = ParseDate("purchase_date", *in.PurchaseDate, now); err != nil {
			return g, err
		}
	}
	if in.StartingDistanceM != nil {
		if err := CheckDistance("starting_distance_m", *in.StartingDistanceM, false); err != nil {
			return g, err
		}
		g.StartingDistanceM = *in.StartingDistanceM
	}
	if in.ReplacementThresholdM != nil {
		if err := CheckDistance("replacement_threshold_m", *in.ReplacementThresholdM, true); err != nil {
			return g, err
		}
		g.ThresholdM = ptr(*in.ReplacementThresholdM)
	}
	g.Retired = in.Retired
	if g.DefaultFor, err = CheckSports("default_for", in.DefaultFor); err != nil {
		return g, err
	}
	if g.Retired && len(g.DefaultFor) > 0 {
		return g, fielderr.New("default_for", "a retired item cannot be a default")
	}
	if g.Components, err = components(g.Type, in.Components, nil, now, newID); err != nil {
		return g, err
	}
	return g, nil
}

// Apply returns the item with the patch applied, and whether anything
// changed. The threshold's wear announcement is forgotten when the
// threshold changes; retiring an item drops its sport defaults.
func (g Gear) Apply(p Patch, now time.Time, newID func() uuid.UUID) (Gear, bool, error) {
	before := g.clone()
	var err error
	for _, f := range []struct {
		name string
		in   patch.Field[string]
		out  **string
	}{{"brand", p.Brand, &g.Brand}, {"model", p.Model, &g.Model}, {"nickname", p.Nickname, &g.Nickname}} {
		if !f.in.Set {
			continue
		}
		if f.in.Null {
			*f.out = nil
			continue
		}
		if *f.out, err = CheckText(f.name, &f.in.Value); err != nil {
			return before, false, err
		}
	}
	if p.PurchaseDate.Set {
		g.PurchaseDate = nil
		if !p.PurchaseDate.Null {
			if g.PurchaseDate, err = ParseDate("purchase_date", p.PurchaseDate.Value, now); err != nil {
				return before, false, err
			}
		}
	}
	if p.StartingDistanceM.Set {
		if p.StartingDistanceM.Null {
			return before, false, fielderr.New("starting_distance_m", "cannot be null (use 0)")
		}
		if err := CheckDistance("starting_distance_m", p.StartingDistanceM.Value, false); err != nil {
			return before, false, err
		}
		g.StartingDistanceM = p.StartingDistanceM.Value
	}
	if p.ReplacementThresholdM.Set {
		var t *float64
		if !p.ReplacementThresholdM.Null {
			if err := CheckDistance("replacement_threshold_m", p.ReplacementThresholdM.Value, true); err != nil {
				return before, false, err
			}
			t = ptr(p.ReplacementThresholdM.Value)
		}
		if !sameFloat(g.ThresholdM, t) {
			g.ThresholdM = t
			g.WearNotifiedAt = nil
		}
	}
	if p.Retired.Set {
		if p.Retired.Null {
			return before, false, fielderr.New("retired", "cannot be null")
		}
		g.Retired = p.Retired.Value
	}
	if p.DefaultFor.Set {
		if p.DefaultFor.Null {
			return before, false, fielderr.New("default_for", "cannot be null (use [])")
		}
		if g.DefaultFor, err = CheckSports("default_for", p.DefaultFor.Value); err != nil {
			return before, false, err
		}
	}
	if g.Retired && len(g.DefaultFor) > 0 {
		if p.DefaultFor.Set {
			return before, false, fielderr.New("default_for", "a retired item cannot be a default")
		}
		g.DefaultFor = nil
	}
	if p.Components.Set {
		if p.Components.Null {
			return before, false, fielderr.New("components", "cannot be null (use [])")
		}
		if g.Components, err = components(g.Type, p.Components.Value, before.Components, now, newID); err != nil {
			return before, false, err
		}
	}
	changed := !g.equal(before)
	if changed {
		g.UpdatedAt = now
	}
	return g, changed, nil
}

// components checks a full list of components. Items with the id of an
// existing component update it; others are new.
func components(gearType string, in []ComponentInput, existing []Component, now time.Time, newID func() uuid.UUID) ([]Component, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if gearType != Bike {
		return nil, fielderr.New("components", "only bikes have components")
	}
	if len(in) > MaxComponents {
		return nil, fielderr.New("components", "at most %d components", MaxComponents)
	}
	seen := map[uuid.UUID]bool{}
	out := make([]Component, 0, len(in))
	for i, ci := range in {
		field := func(name string) string { return fmt.Sprintf("components[%d].%s", i, name) }
		var c Component
		if ci.ID != "" {
			id, err := uuid.Parse(ci.ID)
			if err != nil {
				return nil, fielderr.New(field("id"), "must be a UUID")
			}
			j := slices.IndexFunc(existing, func(c Component) bool { return c.ID == id })
			if j < 0 {
				return nil, fielderr.New(field("id"), "is not a component of this item")
			}
			if seen[id] {
				return nil, fielderr.New(field("id"), "is listed twice")
			}
			seen[id] = true
			c = existing[j]
		} else {
			c = Component{ID: newID(), InstalledAt: now, Recount: true}
		}
		if !slices.Contains(ComponentTypes, ci.Type) {
			return nil, fielderr.New(field("type"), "must be one of %s", strings.Join(ComponentTypes, ", "))
		}
		c.Type = ci.Type
		var err error
		if c.Brand, err = CheckText(field("brand"), ci.Brand); err != nil {
			return nil, err
		}
		if c.Model, err = CheckText(field("model"), ci.Model); err != nil {
			return nil, err
		}
		if ci.InstalledAt != nil {
			at := ci.InstalledAt.UTC().Truncate(time.Microsecond) // what the database keeps
			if at.After(now.Add(clockSkew)) {
				return nil, fielderr.New(field("installed_at"), "is in the future")
			}
			if at.Year() < 1900 {
				return nil, fielderr.New(field("installed_at"), "is before 1900")
			}
			if !at.Equal(c.InstalledAt) {
				// A replacement: the totals start again.
				c.InstalledAt = at
				c.Recount = true
				c.WearNotifiedAt = nil
			}
		}
		var t *float64
		if ci.ReplacementThresholdM != nil {
			if err := CheckDistance(field("replacement_threshold_m"), *ci.ReplacementThresholdM, true); err != nil {
				return nil, err
			}
			t = ptr(*ci.ReplacementThresholdM)
		}
		if !sameFloat(c.ThresholdM, t) {
			c.ThresholdM = t
			c.WearNotifiedAt = nil
		}
		out = append(out, c)
	}
	return out, nil
}

// CheckText trims a brand, model or nickname; empty becomes nil.
func CheckText(field string, s *string) (*string, error) {
	if s == nil {
		return nil, nil
	}
	v := strings.TrimSpace(*s)
	if v == "" {
		return nil, nil
	}
	if !utf8.ValidString(v) {
		return nil, fielderr.New(field, "must be valid UTF-8")
	}
	if utf8.RuneCountInString(v) > MaxText {
		return nil, fielderr.New(field, "must be at most %d characters", MaxText)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return nil, fielderr.New(field, "must not contain control characters")
	}
	return &v, nil
}

// ParseDate parses a YYYY-MM-DD date, refusing dates in the future and
// before 1900.
func ParseDate(field, s string, now time.Time) (*time.Time, error) {
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		return nil, fielderr.New(field, "must be a date YYYY-MM-DD")
	}
	if d.After(now.Add(clockSkew)) {
		return nil, fielderr.New(field, "is in the future")
	}
	if d.Year() < 1900 {
		return nil, fielderr.New(field, "is before 1900")
	}
	return &d, nil
}

// CheckDistance checks a distance in metres: 0 (or, if positive, more than
// 0) up to MaxDistanceM.
func CheckDistance(field string, m float64, positive bool) error {
	switch {
	case math.IsNaN(m) || math.IsInf(m, 0):
		return fielderr.New(field, "must be a number")
	case positive && m <= 0:
		return fielderr.New(field, "must be greater than 0")
	case m < 0:
		return fielderr.New(field, "must not be negative")
	case m > MaxDistanceM:
		return fielderr.New(field, "must be at most %g", float64(MaxDistanceM))
	}
	return nil
}

// CheckSports checks a list of sports (no duplicates) and returns it in
// the canonical order.
func CheckSports(field string, sports []string) ([]string, error) {
	if len(sports) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	for i, s := range sports {
		if !sport.Valid(s) {
			return nil, fielderr.New(fmt.Sprintf("%s[%d]", field, i), "unknown sport %q; known: %s", clip(s), strings.Join(sport.All(), ", "))
		}
		if seen[s] {
			return nil, fielderr.New(fmt.Sprintf("%s[%d]", field, i), "%q is listed twice", s)
		}
		seen[s] = true
	}
	out := make([]string, 0, len(seen))
	for _, s := range sport.All() {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// SortSports orders sports as sport.All does (unknown ones last).
func SortSports(sports []string) []string {
	rank := func(s string) int {
		if i := sport.Index(s); i >= 0 {
			return i
		}
		return len(sport.All())
	}
	out := slices.Clone(sports)
	slices.SortStableFunc(out, func(a, b string) int {
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return strings.Compare(a, b)
	})
	return out
}

// Usage is one session's contribution to an item.
type Usage struct {
	SessionID   uuid.UUID
	DistanceM   float64
	MovingTimeS float64
	CompletedAt time.Time
}

// Record adds a session to the item's totals and to those of the
// components installed by the time it was completed. The caller makes
// sure a session is recorded once per item.
func (g *Gear) Record(u Usage) {
	g.UsageDistanceM += u.DistanceM
	g.MovingTimeS += u.MovingTimeS
	g.Sessions++
	if g.LastUsedAt == nil || u.CompletedAt.After(*g.LastUsedAt) {
		g.LastUsedAt = ptr(u.CompletedAt)
	}
	for i := range g.Components {
		c := &g.Components[i]
		if !u.CompletedAt.Before(c.InstalledAt) {
			c.DistanceM += u.DistanceM
			c.MovingTimeS += u.MovingTimeS
			c.Sessions++
		}
	}
}

// Unrecord takes a recorded session back out of the item's totals and
// those of the components it counted for (a session deleted, or changed:
// it is then recorded again). The caller makes sure it was recorded. The
// last use stays: it may be later than the session's true last use.
func (g *Gear) Unrecord(u Usage) {
	g.UsageDistanceM = max(0, g.UsageDistanceM-u.DistanceM)
	g.MovingTimeS = max(0, g.MovingTimeS-u.MovingTimeS)
	g.Sessions = max(0, g.Sessions-1)
	for i := range g.Components {
		c := &g.Components[i]
		if !u.CompletedAt.Before(c.InstalledAt) {
			c.DistanceM = max(0, c.DistanceM-u.DistanceM)
			c.MovingTimeS = max(0, c.MovingTimeS-u.MovingTimeS)
			c.Sessions = max(0, c.Sessions-1)
		}
	}
}

// Wear is a worn-out item (ComponentID Nil) or component, to announce.
type Wear struct {
	ComponentID   uuid.UUID
	ComponentType string
	DistanceM     float64
	ThresholdM    float64
}

// CheckWear returns the item and components whose distance has reached
// their threshold and that were not announced yet, and marks them
// announced at now. Retired items announce nothing.
func (g *Gear) CheckWear(now time.Time) []Wear {
	var out []Wear
	if g.ThresholdM == nil {
		g.WearNotifiedAt = nil
	} else if !g.Retired && g.WearNotifiedAt == nil && g.DistanceM() >= *g.ThresholdM {
		g.WearNotifiedAt = ptr(now)
		out = append(out, Wear{DistanceM: g.DistanceM(), ThresholdM: *g.ThresholdM})
	}
	for i := range g.Components {
		c := &g.Components[i]
		if c.ThresholdM == nil {
			c.WearNotifiedAt = nil
		} else if !g.Retired && c.WearNotifiedAt == nil && c.DistanceM >= *c.ThresholdM {
			c.WearNotifiedAt = ptr(now)
			out = append(out, Wear{ComponentID: c.ID, ComponentType: c.Type, DistanceM: c.DistanceM, ThresholdM: *c.ThresholdM})
		}
	}
	return out
}

// WearLimitReached says the item's distance has reached its replacement
// threshold.
func (g Gear) WearLimitReached() bool { return g.ThresholdM != nil && g.DistanceM() >= *g.ThresholdM }

// WearLimitReached says the component's distance has reached its
// replacement threshold.
func (c Component) WearLimitReached() bool {
	return c.ThresholdM != nil && c.DistanceM >= *c.ThresholdM
}

// PurchaseDay is the purchase date as YYYY-MM-DD, nil when unknown.
func (g Gear) PurchaseDay() *string {
	if g.PurchaseDate == nil {
		return nil
	}
	return ptr(g.PurchaseDate.Format(dateLayout))
}

// Session is a completed session as gear totals use it.
type Session struct {
	ID          uuid.UUID
	UserID      uuid.UUID
	Sport       string
	DistanceM   float64
	MovingTimeS float64
	ElapsedS    float64
	GearIDs     []uuid.UUID
	CompletedAt time.Time
}

// SessionEvent is what gear totals use of a training session event
// (completed, updated or deleted), as the consumer maps it from the
// training module's payload. A deleted session carries only its ids and
// revision.
type SessionEvent struct {
	SessionID    string
	UserID       string
	Sport        string
	DistanceM    float64
	MovingTimeS  float64
	ElapsedTimeS float64
	GearIDs      []string
	CompletedAt  time.Time
	// Revision orders the events of one session; 0 (events of older
	// versions) is applied whatever the order.
	Revision int64
}

// ParseSession checks a completed (or updated) session. Gear ids that are
// not UUIDs are dropped (they cannot name gear), as are repeats; the rest
// is bounded by MaxGearPerSession.
func ParseSession(ev SessionEvent) (Session, error) {
	var s Session
	var err error
	if s.ID, err = uuid.Parse(ev.SessionID); err != nil {
		return s, fielderr.New("session_id", "must be a UUID")
	}
	if s.UserID, err = uuid.Parse(ev.UserID); err != nil {
		return s, fielderr.New("user_id", "must be a UUID")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"distance_m", ev.DistanceM}, {"moving_time_s", ev.MovingTimeS}, {"elapsed_time_s", ev.ElapsedTimeS}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 || f.v > MaxDistanceM {
			return s, fielderr.New(f.name, "must be between 0 and %g", float64(MaxDistanceM))
		}
	}
	if ev.CompletedAt.IsZero() {
		return s, fielderr.New("completed_at", "is missing")
	}
	s.Sport, s.DistanceM, s.MovingTimeS, s.ElapsedS, s.CompletedAt = ev.Sport, ev.DistanceM, ev.MovingTimeS, ev.ElapsedTimeS, ev.CompletedAt.UTC()
	for _, raw := range ev.GearIDs {
		id, err := uuid.Parse(raw)
		if err != nil || slices.Contains(s.GearIDs, id) {
			continue
		}
		if len(s.GearIDs) == MaxGearPerSession {
			break
		}
		s.GearIDs = append(s.GearIDs, id)
	}
	slices.SortFunc(s.GearIDs, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return s, nil
}

// Usage is the session's contribution to each item it names.
func (s Session) Usage() Usage {
	return Usage{SessionID: s.ID, DistanceM: s.DistanceM, MovingTimeS: s.MovingTimeS, CompletedAt: s.CompletedAt}
}

func (g Gear) clone() Gear {
	c := g
	c.DefaultFor = slices.Clone(g.DefaultFor)
	c.Components = slices.Clone(g.Components)
	return c
}

// equal compares what a user can change.
func (g Gear) equal(o Gear) bool {
	if g.Type != o.Type || !sameStr(g.Brand, o.Brand) || !sameStr(g.Model, o.Model) || !sameStr(g.Nickname, o.Nickname) ||
		!sameTime(g.PurchaseDate, o.PurchaseDate) || g.StartingDistanceM != o.StartingDistanceM || !sameFloat(g.ThresholdM, o.ThresholdM) ||
		g.Retired != o.Retired || !slices.Equal(g.DefaultFor, o.DefaultFor) || len(g.Components) != len(o.Components) {
		return false
	}
	for i, c := range g.Components {
		d := o.Components[i]
		if c.ID != d.ID || c.Type != d.Type || !sameStr(c.Brand, d.Brand) || !sameStr(c.Model, d.Model) ||
			!c.InstalledAt.Equal(d.InstalledAt) || !sameFloat(c.ThresholdM, d.ThresholdM) {
			return false
		}
	}
	return true
}

func sameStr(a, b *string) bool    { return a == nil && b == nil || a != nil && b != nil && *a == *b }
func sameFloat(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func ptr[T any](v T) *T { return &v }

// clip shortens a value echoed in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 32 {
		return s
	}
	return string([]rune(s)[:32]) + "…"
}
