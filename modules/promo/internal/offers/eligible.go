package offers

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/promo/api"
)

// User is what targeting may know of a user at a time: the facts of the
// promo read model (facts.Facts), reduced to what the rules read.
type User struct {
	ID uuid.UUID
	// Personalisable says targeting may use the facts: the user is known,
	// has not objected, and is 18 or older (a known birth date). Everyone
	// else is served untargeted offers only.
	Personalisable bool
	// Objected says the user objected to personalised offers.
	Objected bool
	// Age is in whole years, when AgeKnown.
	Age             int
	AgeKnown        bool
	Country         string
	Language        string
	Sports          []string
	SessionsPerWeek float64
	// DaysSinceRegistration is whole days; RegistrationKnown false when
	// no registration was seen.
	DaysSinceRegistration int
	RegistrationKnown     bool
	Gear                  []Gear
	Challenges            []uuid.UUID

	// langOf, langCanon and langBase cache Language parsed (Matches).
	langOf, langCanon, langBase string
}

// languageIn says whether the user's language is one of langs (as
// languageIn), parsing it once.
func (u *User) languageIn(langs []string) bool {
	if u.Language == "" {
		return false
	}
	if u.langOf != u.Language {
		u.langCanon, u.langBase = "", ""
		if tag, canon, err := ParseLanguage(u.Language); err == nil {
			base, _ := tag.Base()
			u.langCanon, u.langBase = canon, base.String()
		}
		u.langOf = u.Language
	}
	return u.langCanon != "" && slices.ContainsFunc(langs, func(l string) bool { return l == u.langCanon || l == u.langBase })
}

// Gear is an item of a user's gear, as targeting reads it.
type Gear struct {
	Type string
	// WornFraction is distance / replacement threshold, when HasThreshold.
	WornFraction float64
	HasThreshold bool
}

// Fit is an offer's targeting fit: how many rules it has (each matched,
// when the offer is eligible). An untargeted offer has fit 0.
func Fit(t api.Targeting) int {
	n := 0
	for _, set := range []bool{len(t.Countries) > 0, len(t.Languages) > 0, len(t.Sports) > 0, t.Age != nil,
		t.SessionsPerWeek != nil, t.NewUsers != nil, len(t.Gear) > 0, t.Challenges != nil} {
		if set {
			n++
		}
	}
	return n
}

// Live says the offer's schedule covers now: starts_at <= now < ends_at.
func (o *Offer) Live(now time.Time) bool {
	return !now.Before(o.Def.StartsAt) && now.Before(o.Def.EndsAt)
}

// Eligible says whether u may be shown the offer now as far as its
// schedule and targeting go (budgets, caps and dismissals are the
// store's), and why: the rules that matched with the facts that matched
// them, and, when not eligible, the first reason.
func (o *Offer) Eligible(u User, now time.Time) (bool, api.Why) {
	why := api.Why{Targeted: o.Targeted(), Rules: []api.WhyRule{}}
	if !o.Live(now) {
		why.Summary = "the offer is not running now (its schedule is " + o.Def.StartsAt.Format(time.RFC3339) + " to " + o.Def.EndsAt.Format(time.RFC3339) + ")"
		return false, why
	}
	if !why.Targeted {
		why.Summary = "shown to everyone: the offer is not targeted"
		return true, why
	}
	if !u.Personalisable {
		why.Summary = "targeted offers are shown only to adults who have not objected to personalised offers; " + notPersonalisable(u)
		return false, why
	}
	for _, r := range o.rules() {
		fact, ok := r.match(o, u, now)
		if !ok {
			why.Summary = "does not match the rule " + r.name + ": " + fact
			return false, why
		}
		why.Rules = append(why.Rules, api.WhyRule{Rule: r.name, Fact: fact})
	}
	names := make([]string, len(why.Rules))
	for i, r := range why.Rules {
		names[i] = r.Fact
	}
	why.Summary = "targeted at you because of: " + strings.Join(names, "; ")
	return true, why
}

func notPersonalisable(u User) string {
	switch {
	case u.Objected:
		return "you objected to them"
	case !u.AgeKnown:
		return "your birth date is unknown"
	case u.Age < MinAge:
		return "you are under 18"
	}
	return "we know too little of you"
}

// rule is one targeting rule of an offer.
type rule struct {
	name  string
	match func(o *Offer, u User, now time.Time) (fact string, ok bool)
}

// rules are the offer's rules, in the schema's order.
func (o *Offer) rules() []rule {
	t := o.Def.Targeting
	var rs []rule
	if len(t.Countries) > 0 {
		rs = append(rs, rule{"countries", func(o *Offer, u User, _ time.Time) (string, bool) {
			return "country " + orUnknown(u.Country), u.Country != "" && slices.Contains(o.Def.Targeting.Countries, u.Country)
		}})
	}
	if len(t.Languages) > 0 {
		rs = append(rs, rule{"languages", func(o *Offer, u User, _ time.Time) (string, bool) {
			return "language " + orUnknown(u.Language), languageIn(u.Language, o.Def.Targeting.Languages)
		}})
	}
	if len(t.Sports) > 0 {
		rs = append(rs, rule{"sports", matchSports})
	}
	if t.Age != nil {
		rs = append(rs, rule{"age", func(o *Offer, u User, _ time.Time) (string, bool) {
			a := o.Def.Targeting.Age
			if !u.AgeKnown {
				return "age unknown", false
			}
			return "age " + strconv.Itoa(u.Age), u.Age >= a.Min && (a.Max == nil || u.Age <= *a.Max)
		}})
	}
	if t.SessionsPerWeek != nil {
		rs = append(rs, rule{"sessions_per_week", func(o *Offer, u User, _ time.Time) (string, bool) {
			r := o.Def.Targeting.SessionsPerWeek
			ok := (r.Min == nil || u.SessionsPerWeek >= *r.Min) && (r.Max == nil || u.SessionsPerWeek <= *r.Max)
			return fmt.Sprintf("%.2f sessions per week over the last 28 days", u.SessionsPerWeek), ok
		}})
	}
	if t.NewUsers != nil {
		rs = append(rs, rule{"new_users", func(o *Offer, u User, _ time.Time) (string, bool) {
			if !u.RegistrationKnown {
				return "registration date unknown", false
			}
			return fmt.Sprintf("registered %d days ago", u.DaysSinceRegistration), u.DaysSinceRegistration <= o.Def.Targeting.NewUsers.MaxDays
		}})
	}
	if len(t.Gear) > 0 {
		rs = append(rs, rule{"gear", matchGear})
	}
	if t.Challenges != nil {
		rs = append(rs, rule{"challenges", matchChallenges})
	}
	return rs
}

func matchSports(o *Offer, u User, _ time.Time) (string, bool) {
	for _, s := range u.Sports {
		if slices.Contains(o.Def.Targeting.Sports, s) {
			return "you practise " + s, true
		}
	}
	if len(u.Sports) == 0 {
		return "no sport in the last 90 days", false
	}
	return "you practise " + strings.Join(u.Sports, ", "), false
}

func matchGear(o *Offer, u User, _ time.Time) (string, bool) {
	for _, r := range o.Def.Targeting.Gear {
		for _, g := range u.Gear {
			switch {
			case !gearMatches(r, g):
			case r.MinWornFraction == 0:
				return "you have gear of type " + g.Type, true
			default:
				return fmt.Sprintf("your %s are at %.0f %% of their replacement distance", g.Type, 100*g.WornFraction), true
			}
		}
	}
	return "no item of gear matches", false
}

// gearMatches says whether an item matches a gear rule: its type, worn at
// least the rule's fraction (any item of the type for 0).
func gearMatches(r api.GearRule, g Gear) bool {
	return g.Type == r.Type && (r.MinWornFraction == 0 || g.HasThreshold && g.WornFraction >= r.MinWornFraction)
}

func matchChallenges(o *Offer, u User, _ time.Time) (string, bool) {
	c := o.Def.Targeting.Challenges
	if c.Any {
		return fmt.Sprintf("you take part in %d challenges", len(u.Challenges)), len(u.Challenges) > 0
	}
	for _, id := range u.Challenges {
		if slices.Contains(o.challenges, id) {
			return "you take part in the challenge " + id.String(), true
		}
	}
	return "you take part in none of the offer's challenges", false
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// languageIn says whether the user's language is one of langs: the same
// tag, or the same language when the rule names a language alone (de
// matches de-AT).
func languageIn(user string, langs []string) bool {
	if user == "" {
		return false
	}
	tag, canon, err := ParseLanguage(user)
	if err != nil {
		return false
	}
	base, _ := tag.Base()
	for _, l := range langs {
		if l == canon || l == base.String() {
			return true
		}
	}
	return false
}

// Text picks the offer's text for a user's language: the same tag, then
// the same language (pt for pt-BR, or another region of it), then the
// default language. It returns the language picked.
func (o *Offer) Text(userLang string) (string, api.OfferContent) {
	if tag, canon, err := ParseLanguage(userLang); err == nil {
		if c, ok := o.Def.Content[canon]; ok {
			return canon, c
		}
		base, _ := tag.Base()
		if c, ok := o.Def.Content[base.String()]; ok {
			return base.String(), c
		}
		var best string
		for l, t := range o.langs {
			if b, _ := t.Base(); b == base && (best == "" || l < best) {
				best = l
			}
		}
		if best != "" {
			return best, o.Def.Content[best]
		}
	}
	return o.Def.DefaultLanguage, o.Def.Content[o.Def.DefaultLanguage]
}

// Matches is Eligible without the why, for serving: it allocates nothing,
// so that a thousand offers are checked in microseconds; Eligible
// explains the ones served.
func (o *Offer) Matches(u *User, now time.Time) bool {
	if !o.Live(now) {
		return false
	}
	t := &o.Def.Targeting
	if !o.targeted {
		return true
	}
	if !u.Personalisable {
		return false
	}
	switch {
	case len(t.Countries) > 0 && (u.Country == "" || !slices.Contains(t.Countries, u.Country)),
		len(t.Languages) > 0 && !u.languageIn(t.Languages),
		len(t.Sports) > 0 && !slices.ContainsFunc(u.Sports, func(s string) bool { return slices.Contains(t.Sports, s) }),
		t.Age != nil && (!u.AgeKnown || u.Age < t.Age.Min || t.Age.Max != nil && u.Age > *t.Age.Max),
		t.SessionsPerWeek != nil && (t.SessionsPerWeek.Min != nil && u.SessionsPerWeek < *t.SessionsPerWeek.Min ||
			t.SessionsPerWeek.Max != nil && u.SessionsPerWeek > *t.SessionsPerWeek.Max),
		t.NewUsers != nil && (!u.RegistrationKnown || u.DaysSinceRegistration > t.NewUsers.MaxDays):
		return false
	}
	if len(t.Gear) > 0 && !slices.ContainsFunc(t.Gear, func(r api.GearRule) bool {
		return slices.ContainsFunc(u.Gear, func(g Gear) bool { return gearMatches(r, g) })
	}) {
		return false
	}
	if t.Challenges != nil {
		if t.Challenges.Any {
			return len(u.Challenges) > 0
		}
		return slices.ContainsFunc(u.Challenges, func(id uuid.UUID) bool { return slices.Contains(o.challenges, id) })
	}
	return true
}
