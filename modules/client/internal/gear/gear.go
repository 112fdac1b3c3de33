// Package gear holds the rules of a user's gear: which items and
// components are valid, how a partial update applies, how recorded
// sessions add up, and when an item or a component is worn out. It has no
// SQL, NATS or fx in it.
package gear

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/profile"
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
	// DefaultPageSize and MaxPageSize bound a list page.
	DefaultPageSize = 20
	MaxPageSize     = 100
	// dateLayout is the form of a purchase date.
	dateLayout = "2006-01-02"
	// clockSkew is how far in the future a date or time may be (time
	// zones, clocks).
	clockSkew = 36 * time.Hour
)

// invalid is the error of an invalid field.
func invalid(field, format string, args ...any) *fielderr.Error {
	return fielderr.New(field, format, args...)
}

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
	DefaultFor        []string // sports, in the order of profile.Sports
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

// New builds a new item from a creation request.
func New(in api.GearCreate, id, user uuid.UUID, now time.Time, newID func() uuid.UUID) (Gear, error) {
	g := Gear{ID: id, UserID: user, CreatedAt: now, UpdatedAt: now}
	if !slices.Contains(api.GearTypes, in.Type) {
		return g, invalid("type", "must be one of %s", strings.Join(api.GearTypes, ", "))
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
		return g, invalid("default_for", "a retired item cannot be a default")
	}
	if g.Components, err = components(g.Type, in.Components, nil, now, newID); err != nil {
		return g, err
	}
	return g, nil
}

// Apply returns the item with the patch applied, and whether anything
// changed. The threshold's wear announcement is forgotten when the
// threshold changes; retiring an item drops its sport defaults.
func (g Gear) Apply(p api.GearPatch, now time.Time, newID func() uuid.UUID) (Gear, bool, error) {
	before := g.clone()
	var err error
	for _, f := range []struct {
		name string
		in   api.PatchField[string]
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
			return before, false, invalid("starting_distance_m", "cannot be null (use 0)")
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
			return before, false, invalid("retired", "cannot be null")
		}
		g.Retired = p.Retired.Value
	}
	if p.DefaultFor.Set {
		if p.DefaultFor.Null {
			return before, false, invalid("default_for", "cannot be null (use [])")
		}
		if g.DefaultFor, err = CheckSports("default_for", p.DefaultFor.Value); err != nil {
			return before, false, err
		}
	}
	if g.Retired && len(g.DefaultFor) > 0 {
		if p.DefaultFor.Set {
			return before, false, invalid("default_for", "a retired item cannot be a default")
		}
		g.DefaultFor = nil
	}
	if p.Components.Set {
		if p.Components.Null {
			return before, false, invalid("components", "cannot be null (use [])")
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
func components(gearType string, in []api.ComponentInput, existing []Component, now time.Time, newID func() uuid.UUID) ([]Component, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if gearType != api.GearBike {
		return nil, invalid("components", "only bikes have components")
	}
	if len(in) > MaxComponents {
		return nil, invalid("components", "at most %d components", MaxComponents)
	}
	seen := map[uuid.UUID]bool{}
	out := make([]Component, 0, len(in))
	for i, ci := range in {
		field := func(name string) string { return fmt.Sprintf("components[%d].%s", i, name) }
		var c Component
		if ci.ID != "" {
			id, err := uuid.Parse(ci.ID)
			if err != nil {
				return nil, invalid(field("id"), "must be a UUID")
			}
			j := slices.IndexFunc(existing, func(c Component) bool { return c.ID == id })
			if j < 0 {
				return nil, invalid(field("id"), "is not a component of this item")
			}
			if seen[id] {
				return nil, invalid(field("id"), "is listed twice")
			}
			seen[id] = true
			c = existing[j]
		} else {
			c = Component{ID: newID(), InstalledAt: now, Recount: true}
		}
		if !slices.Contains(api.ComponentTypes, ci.Type) {
			return nil, invalid(field("type"), "must be one of %s", strings.Join(api.ComponentTypes, ", "))
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
				return nil, invalid(field("installed_at"), "is in the future")
			}
			if at.Year() < 1900 {
				return nil, invalid(field("installed_at"), "is before 1900")
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
		return nil, invalid(field, "must be valid UTF-8")
	}
	if utf8.RuneCountInString(v) > MaxText {
		return nil, invalid(field, "must be at most %d characters", MaxText)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return nil, invalid(field, "must not contain control characters")
	}
	return &v, nil
}

// ParseDate parses a YYYY-MM-DD date, refusing dates in the future and
// before 1900.
func ParseDate(field, s string, now time.Time) (*time.Time, error) {
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		return nil, invalid(field, "must be a date YYYY-MM-DD")
	}
	if d.After(now.Add(clockSkew)) {
		return nil, invalid(field, "is in the future")
	}
	if d.Year() < 1900 {
		return nil, invalid(field, "is before 1900")
	}
	return &d, nil
}

// CheckDistance checks a distance in metres: 0 (or, if positive, more than
// 0) up to MaxDistanceM.
func CheckDistance(field string, m float64, positive bool) error {
	switch {
	case math.IsNaN(m) || math.IsInf(m, 0):
		return invalid(field, "must be a number")
	case positive && m <= 0:
		return invalid(field, "must be greater than 0")
	case m < 0:
		return invalid(field, "must not be negative")
	case m > MaxDistanceM:
		return invalid(field, "must be at most %g", float64(MaxDistanceM))
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
		if !slices.Contains(profile.Sports, s) {
			return nil, invalid(fmt.Sprintf("%s[%d]", field, i), "unknown sport %q; known: %s", clip(s), strings.Join(profile.Sports, ", "))
		}
		if seen[s] {
			return nil, invalid(fmt.Sprintf("%s[%d]", field, i), "%q is listed twice", s)
		}
		seen[s] = true
	}
	out := make([]string, 0, len(seen))
	for _, s := range profile.Sports {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// SortSports orders sports as profile.Sports does (unknown ones last).
func SortSports(sports []string) []string {
	rank := func(s string) int {
		if i := slices.Index(profile.Sports, s); i >= 0 {
			return i
		}
		return len(profile.Sports)
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

// WearEvent is the payload that announces w.
func (g Gear) WearEvent(w Wear, session uuid.UUID, now time.Time) api.GearWearLimitReached {
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

// View is the item as the API shows it.
func (g Gear) View() api.Gear {
	v := api.Gear{
		ID: g.ID.String(), Type: g.Type, Brand: g.Brand, Model: g.Model, Nickname: g.Nickname, Name: g.Name(),
		StartingDistanceM: g.StartingDistanceM, ReplacementThresholdM: g.ThresholdM,
		DefaultFor: g.DefaultFor, Retired: g.Retired,
		DistanceM: g.DistanceM(), MovingTimeS: g.MovingTimeS, Sessions: g.Sessions, LastUsedAt: g.LastUsedAt,
		WearLimitReached: g.ThresholdM != nil && g.DistanceM() >= *g.ThresholdM,
		Components:       make([]api.Component, 0, len(g.Components)),
		CreatedAt:        g.CreatedAt, UpdatedAt: g.UpdatedAt,
	}
	if v.DefaultFor == nil {
		v.DefaultFor = []string{}
	}
	if g.PurchaseDate != nil {
		v.PurchaseDate = ptr(g.PurchaseDate.Format(dateLayout))
	}
	for _, c := range g.Components {
		v.Components = append(v.Components, api.Component{
			ID: c.ID.String(), Type: c.Type, Brand: c.Brand, Model: c.Model, InstalledAt: c.InstalledAt,
			ReplacementThresholdM: c.ThresholdM, DistanceM: c.DistanceM, MovingTimeS: c.MovingTimeS, Sessions: c.Sessions,
			WearLimitReached: c.ThresholdM != nil && c.DistanceM >= *c.ThresholdM,
		})
	}
	return v
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
		return s, invalid("session_id", "must be a UUID")
	}
	if s.UserID, err = uuid.Parse(ev.UserID); err != nil {
		return s, invalid("user_id", "must be a UUID")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"distance_m", ev.DistanceM}, {"moving_time_s", ev.MovingTimeS}, {"elapsed_time_s", ev.ElapsedTimeS}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 || f.v > MaxDistanceM {
			return s, invalid(f.name, "must be between 0 and %g", float64(MaxDistanceM))
		}
	}
	if ev.CompletedAt.IsZero() {
		return s, invalid("completed_at", "is missing")
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

// EncodeCursor makes the opaque cursor that continues a list after id.
func EncodeCursor(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return uuid.Nil, invalid("cursor", "is not a cursor this API returned")
	}
	return uuid.UUID(b), nil
}

// PageSize checks a requested page size (0 means the default).
func PageSize(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultPageSize, nil
	case limit < 1 || limit > MaxPageSize:
		return 0, invalid("limit", "must be between 1 and %d", MaxPageSize)
	}
	return limit, nil
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
