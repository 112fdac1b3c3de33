package achieve

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"unicode/utf8"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/gamification/internal/rules"
)

// Achievement is one entry of the catalogue: a rule of package rules with
// its tiers and points, names for people (English) and message keys for
// the app's language, and whether it is hidden until unlocked.
type Achievement struct {
	// ID is the achievement's key (run_distance_total): lower case
	// letters, digits and underscores.
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// NameKey and DescriptionKey are message keys the app translates;
	// empty on save: achievement.<id>.name and .description.
	NameKey        string `json:"name_key"`
	DescriptionKey string `json:"description_key"`
	// Hidden achievements are not shown in the catalogue until the user
	// unlocked them.
	Hidden bool       `json:"hidden"`
	Rule   rules.Rule `json:"rule"`
}

var (
	idPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{2,63}$`)
	keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,127}$`)
)

// Normalize fills the default message keys.
func (a *Achievement) Normalize() {
	if a.NameKey == "" {
		a.NameKey = "achievement." + a.ID + ".name"
	}
	if a.DescriptionKey == "" {
		a.DescriptionKey = "achievement." + a.ID + ".description"
	}
}

// Validate checks an achievement (normalized) and its rule; the error is a
// *fielderr.Error naming the field (the rule's as rule.<field>).
func (a Achievement) Validate() error {
	switch {
	case !idPattern.MatchString(a.ID):
		return fielderr.New("id", "3 to 64 lower case letters, digits or underscores, starting with a letter")
	case a.Name == "" || utf8.RuneCountInString(a.Name) > 100:
		return fielderr.New("name", "1 to 100 characters")
	case utf8.RuneCountInString(a.Description) > 500:
		return fielderr.New("description", "at most 500 characters")
	case !keyPattern.MatchString(a.NameKey):
		return fielderr.New("name_key", "a message key: lower case letters, digits, dots and underscores, up to 128")
	case !keyPattern.MatchString(a.DescriptionKey):
		return fielderr.New("description_key", "a message key: lower case letters, digits, dots and underscores, up to 128")
	}
	if err := a.Rule.Validate(); err != nil {
		var fe *fielderr.Error
		if errors.As(err, &fe) {
			return fielderr.New("rule."+fe.Field, "%s", fe.Reason)
		}
		return err
	}
	for i, t := range a.Rule.Tiers {
		if !keyPattern.MatchString(t.Name) {
			return fielderr.New(fmt.Sprintf("rule.tiers[%d].name", i), "lower case letters, digits, dots and underscores (bronze, silver, gold; the app translates tier.<name>)")
		}
	}
	return nil
}

// Repeatable reports whether the achievement is earned again past its last
// tier.
func (a Achievement) Repeatable() bool { return a.Rule.RepeatEvery > 0 }

// Unit is one unlock of an achievement: a tier (1-based) and, for a
// repeatable one's last tier, its repetition (1 the first time; 0 for the
// other tiers and achievements that do not repeat).
type Unit struct {
	Tier, Repetition int
}

// Units counts the unlocks a progress is worth: its tiers reached and its
// repeats.
func Units(p rules.Progress) int { return p.Reached + p.Repeats }

// UnitAt is the n-th unlock (1-based) of a.
func (a Achievement) UnitAt(n int) Unit {
	last := len(a.Rule.Tiers)
	switch {
	case !a.Repeatable():
		return Unit{Tier: n}
	case n < last:
		return Unit{Tier: n}
	default:
		return Unit{Tier: last, Repetition: n - last + 1}
	}
}

// Points is what a unit is worth: its tier's points (a repetition, the last
// tier's).
func (a Achievement) Points(u Unit) int { return a.Rule.Tiers[u.Tier-1].Points }

// Level is the user level of a points total: level L needs 50·L·(L−1)
// points (level 1 at 0, 2 at 100, 3 at 300, 4 at 600, 5 at 1,000, …: each
// level 100 points more than the one before), and the points the next
// level needs.
func Level(points int) (level, next int) {
	p := max(points, 0)
	level = int((1 + math.Sqrt(1+8*float64(p)/100)) / 2)
	for 50*level*(level-1) > p { // float rounding
		level--
	}
	for 50*(level+1)*level <= p {
		level++
	}
	return level, 50 * (level + 1) * level
}

//go:embed catalogue.json
var defaultCatalogue []byte

// DefaultCatalogue is the catalogue seeded on the module's first start
// (catalogue.json), normalized and valid.
func DefaultCatalogue() ([]Achievement, error) {
	var list []Achievement
	dec := json.NewDecoder(bytes.NewReader(defaultCatalogue))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("achieve: default catalogue: %w", err)
	}
	for i := range list {
		list[i].Normalize()
		if err := list[i].Validate(); err != nil {
			return nil, fmt.Errorf("achieve: default catalogue, %s: %w", list[i].ID, err)
		}
	}
	return list, nil
}
