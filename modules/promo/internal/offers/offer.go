// Package offers is the promo offers' domain: what an offer may be
// (Decode, Validate: targeting rules in a fixed schema, health-derived
// rules refused), whether a user is eligible for one now and why
// (Offer.Eligible), how eligible offers are ranked (Rank) and how a
// budget is paced over the schedule (Curve, Allowance). It has no SQL,
// NATS or fx in it.
package offers

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/promo/api"
)

// Limits of an offer's definition.
const (
	MaxLanguages   = 50
	MaxTitle       = 120
	MaxBody        = 2000
	MaxName        = 200
	MaxURL         = 2048
	MaxSchedule    = 2 * 366 * 24 * time.Hour
	MinAge         = 18
	MaxAge         = 120
	MaxPriority    = 100
	MaxBudget      = 1_000_000_000
	MaxCapCount    = 1000
	MinCapPeriod   = 60
	MaxCapPeriod   = 365 * 24 * 3600
	MaxNewUserDays = 3650
	MaxSessionsPW  = 100
	MaxWornFrac    = 10
)

// GearTypes are the client's gear types (a gear rule names one).
var GearTypes = []string{"shoes", "bike", "wetsuit", "skis", "snowboard", "paddle", "boat", "rowing_machine", "treadmill", "indoor_trainer", "other"}

// Offer is a validated offer: its definition with languages, countries
// and ids in canonical form.
type Offer struct {
	ID        uuid.UUID
	Def       api.OfferDefinition
	CreatedAt time.Time
	// challenges are Def.Targeting.Challenges.IDs parsed.
	challenges []uuid.UUID
	// langs are the content's languages, parsed.
	langs map[string]language.Tag
	// targeted: Fit(Def.Targeting) > 0.
	targeted bool
}

// Targeted says the offer has targeting rules (it is then served only to
// users whose facts may be used: Personalisable).
func (o *Offer) Targeted() bool { return o.targeted }

// Validate checks an offer's definition and returns it in canonical form
// (languages as BCP 47 canonical tags, countries upper case, lists
// without duplicates). Errors name the field (fielderr.Error).
func Validate(id uuid.UUID, def api.OfferDefinition, createdAt time.Time) (*Offer, error) {
	o := &Offer{ID: id, CreatedAt: createdAt, Def: def}
	d := &o.Def
	if n := utf8.RuneCountInString(strings.TrimSpace(d.Name)); n < 1 || n > MaxName {
		return nil, fielderr.New("name", "must be 1 to %d characters", MaxName)
	}
	d.Name = strings.TrimSpace(d.Name)
	if err := o.validateContent(); err != nil {
		return nil, err
	}
	if d.ImageURL != "" {
		if err := checkURL(d.ImageURL); err != nil {
			return nil, fielderr.New("image_url", "%s", err)
		}
	}
	if err := checkURL(d.CTAURL); err != nil {
		return nil, fielderr.New("cta_url", "%s", err)
	}
	if err := validateSchedule(d); err != nil {
		return nil, err
	}
	if d.Priority < 0 || d.Priority > MaxPriority {
		return nil, fielderr.New("priority", "must be 0 to %d", MaxPriority)
	}
	if c := d.FrequencyCap; c != nil {
		if c.Count < 1 || c.Count > MaxCapCount {
			return nil, fielderr.New("frequency_cap.count", "must be 1 to %d", MaxCapCount)
		}
		if c.PeriodS < MinCapPeriod || c.PeriodS > MaxCapPeriod {
			return nil, fielderr.New("frequency_cap.period_s", "must be %d to %d seconds", MinCapPeriod, MaxCapPeriod)
		}
	}
	if b := d.Budget; b.Impressions < 1 || b.Impressions > MaxBudget {
		return nil, fielderr.New("budget.impressions", "must be 1 to %d (every offer has a hard budget)", MaxBudget)
	}
	if b := d.Budget; b.Clicks < 0 || b.Clicks > MaxBudget {
		return nil, fielderr.New("budget.clicks", "must be 0 (no click limit) to %d", MaxBudget)
	}
	if err := o.validateTargeting(); err != nil {
		return nil, err
	}
	o.targeted = Fit(d.Targeting) > 0
	return o, nil
}

func (o *Offer) validateContent() error {
	d := &o.Def
	if len(d.Content) == 0 || len(d.Content) > MaxLanguages {
		return fielderr.New("content", "must have the text of 1 to %d languages", MaxLanguages)
	}
	content := make(map[string]api.OfferContent, len(d.Content))
	o.langs = make(map[string]language.Tag, len(d.Content))
	for _, key := range slices.Sorted(maps.Keys(d.Content)) {
		c := d.Content[key]
		tag, canon, err := ParseLanguage(key)
		if err != nil {
			return fielderr.New("content."+key, "is not a BCP 47 language tag (e.g. en, de, pt-BR)")
		}
		if _, dup := content[canon]; dup {
			return fielderr.New("content."+key, "is the language %s twice", canon)
		}
		c.Title = strings.TrimSpace(c.Title)
		if n := utf8.RuneCountInString(c.Title); n < 1 || n > MaxTitle {
			return fielderr.New("content."+key+".title", "must be 1 to %d characters", MaxTitle)
		}
		if utf8.RuneCountInString(c.Body) > MaxBody {
			return fielderr.New("content."+key+".body", "must be at most %d characters", MaxBody)
		}
		if err := plainText(c.Title + c.Body); err != nil {
			return fielderr.New("content."+key, "%s", err)
		}
		content[canon] = c
		o.langs[canon] = tag
	}
	d.Content = content
	_, canon, err := ParseLanguage(d.DefaultLanguage)
	if err != nil {
		return fielderr.New("default_language", "is not a BCP 47 language tag")
	}
	if _, ok := content[canon]; !ok {
		return fielderr.New("default_language", "must be one of content's languages")
	}
	d.DefaultLanguage = canon
	return nil
}

// plainText refuses control characters other than new lines and tabs.
func plainText(s string) error {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return fmt.Errorf("holds a control character (U+%04X)", r)
		}
	}
	return nil
}

// ParseLanguage parses a BCP 47 tag, giving it and its canonical form.
// Private-use and malformed tags, and tags of an unknown language, are
// refused.
func ParseLanguage(s string) (language.Tag, string, error) {
	if s == "" || len(s) > 35 {
		return language.Und, "", fmt.Errorf("empty or too long")
	}
	tag, err := language.Parse(s)
	if err != nil || tag == language.Und {
		return language.Und, "", fmt.Errorf("not a language tag: %q", s)
	}
	if b, conf := tag.Base(); conf != language.Exact || b.String() == "und" {
		return language.Und, "", fmt.Errorf("not a known language: %q", s)
	}
	return tag, tag.String(), nil
}

// checkURL accepts absolute https and http URLs with a host and without
// credentials.
func checkURL(s string) error {
	if s == "" {
		return fmt.Errorf("is required")
	}
	if len(s) > MaxURL {
		return fmt.Errorf("must be at most %d characters", MaxURL)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("must not hold spaces or control characters")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("is not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("must be an https or http URL (the scheme %q is refused)", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("must name a host")
	}
	if u.User != nil {
		return fmt.Errorf("must not hold credentials")
	}
	return nil
}

func validateSchedule(d *api.OfferDefinition) error {
	if d.StartsAt.IsZero() {
		return fielderr.New("starts_at", "is required")
	}
	if d.EndsAt.IsZero() {
		return fielderr.New("ends_at", "is required")
	}
	if !d.EndsAt.After(d.StartsAt) {
		return fielderr.New("ends_at", "must be after starts_at")
	}
	if d.EndsAt.Sub(d.StartsAt) > MaxSchedule {
		return fielderr.New("ends_at", "must be at most 2 years after starts_at")
	}
	d.StartsAt, d.EndsAt = d.StartsAt.UTC(), d.EndsAt.UTC()
	return nil
}

func (o *Offer) validateTargeting() error {
	t := &o.Def.Targeting
	countries, err := canonList(t.Countries, "targeting.countries", 250, func(s string) (string, error) {
		r, err := language.ParseRegion(s)
		if err != nil || !r.IsCountry() || len(s) != 2 {
			return "", fmt.Errorf("is not an ISO 3166-1 alpha-2 country code")
		}
		return r.String(), nil
	})
	if err != nil {
		return err
	}
	t.Countries = countries
	langs, err := canonList(t.Languages, "targeting.languages", 100, func(s string) (string, error) {
		_, c, err := ParseLanguage(s)
		if err != nil {
			return "", fmt.Errorf("is not a BCP 47 language tag (e.g. de, pt-BR)")
		}
		return c, nil
	})
	if err != nil {
		return err
	}
	t.Languages = langs
	sports, err := canonList(t.Sports, "targeting.sports", 12, func(s string) (string, error) {
		if !sport.Valid(s) {
			return "", fmt.Errorf("is not a sport (%s)", strings.Join(sport.All(), ", "))
		}
		return s, nil
	})
	if err != nil {
		return err
	}
	t.Sports = sports
	if err := validateRanges(t); err != nil {
		return err
	}
	if len(t.Gear) > 20 {
		return fielderr.New("targeting.gear", "must have at most 20 rules")
	}
	for i, g := range t.Gear {
		if !slices.Contains(GearTypes, g.Type) {
			return fielderr.New(fmt.Sprintf("targeting.gear[%d].type", i), "is not a gear type (%s)", strings.Join(GearTypes, ", "))
		}
		if g.MinWornFraction < 0 || g.MinWornFraction > MaxWornFrac {
			return fielderr.New(fmt.Sprintf("targeting.gear[%d].min_worn_fraction", i), "must be 0 to %d", MaxWornFrac)
		}
	}
	return o.validateChallenges()
}

func validateRanges(t *api.Targeting) error {
	if a := t.Age; a != nil {
		if a.Min == 0 {
			a.Min = MinAge
		}
		if a.Min < MinAge || a.Min > MaxAge {
			return fielderr.New("targeting.age.min", "must be %d to %d: no profiling-based offers to minors", MinAge, MaxAge)
		}
		if a.Max != nil && (*a.Max < a.Min || *a.Max > MaxAge) {
			return fielderr.New("targeting.age.max", "must be min (%d) to %d", a.Min, MaxAge)
		}
	}
	if r := t.SessionsPerWeek; r != nil {
		if r.Min == nil && r.Max == nil {
			return fielderr.New("targeting.sessions_per_week", "must have min, max or both")
		}
		if r.Min != nil && (*r.Min < 0 || *r.Min > MaxSessionsPW) {
			return fielderr.New("targeting.sessions_per_week.min", "must be 0 to %d", MaxSessionsPW)
		}
		if r.Max != nil && (*r.Max < 0 || *r.Max > MaxSessionsPW || r.Min != nil && *r.Max < *r.Min) {
			return fielderr.New("targeting.sessions_per_week.max", "must be min to %d", MaxSessionsPW)
		}
	}
	if n := t.NewUsers; n != nil && (n.MaxDays < 1 || n.MaxDays > MaxNewUserDays) {
		return fielderr.New("targeting.new_users.max_days_since_registration", "must be 1 to %d", MaxNewUserDays)
	}
	return nil
}

func (o *Offer) validateChallenges() error {
	c := o.Def.Targeting.Challenges
	if c == nil {
		return nil
	}
	if c.Any == (len(c.IDs) > 0) {
		return fielderr.New("targeting.challenges", "must be either {\"any\": true} or {\"ids\": [...]}")
	}
	if len(c.IDs) > 50 {
		return fielderr.New("targeting.challenges.ids", "must have at most 50 ids")
	}
	ids := make([]string, 0, len(c.IDs))
	o.challenges = nil
	for i, s := range c.IDs {
		id, err := uuid.Parse(s)
		if err != nil || len(s) != 36 {
			return fielderr.New(fmt.Sprintf("targeting.challenges.ids[%d]", i), "is not a UUID")
		}
		if slices.Contains(o.challenges, id) {
			continue
		}
		o.challenges = append(o.challenges, id)
		ids = append(ids, id.String())
	}
	c.IDs = ids
	return nil
}

// canonList canonicalises a list's values (canon), dropping duplicates.
func canonList(in []string, field string, limit int, canon func(string) (string, error)) ([]string, error) {
	if len(in) > limit {
		return nil, fielderr.New(field, "must have at most %d values", limit)
	}
	if in == nil {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	for i, s := range in {
		c, err := canon(s)
		if err != nil {
			return nil, fielderr.New(fmt.Sprintf("%s[%d]", field, i), "%s", err)
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}
