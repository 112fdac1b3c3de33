// Package group is the social module's domain of groups: what a group is
// and how its fields are checked (Normalize), who may do what in it
// (Allowed, the permission table), and the search's query and cursors. It
// is plain Go: the standard library and internal/kit only.
package group

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/sport"
)

// Bounds of a group's fields.
const (
	MaxName        = 100
	MaxDescription = 2000
	MaxSports      = 12
	MaxGoals       = 10
	MaxGoal        = 40
	MaxRadiusM     = 500_000
	MinMemberLimit = 2
	MaxMemberLimit = 100_000
	DefaultLimit   = 10_000
	MaxJoinMessage = 500
	// MaxOwned is how many groups one user may own (a bound on a
	// creation flood; a transfer may take an owner beyond it).
	MaxOwned = 100
)

// Visibility of a group: anyone may join a public one; joining a private
// one is a request its admins approve (or an invitation).
const (
	Public  = "public"
	Private = "private"
)

// Place is where a group meets: a point and the radius it covers.
type Place struct {
	Lat, Lon float64
	RadiusM  int
}

// Facts are a group's own fields, as its owner and admins set them.
type Facts struct {
	Name        string
	Description string
	Sports      []string
	Goals       []string
	Place       *Place
	Visibility  string
	MemberLimit int
}

// Normalize checks f and returns it cleaned: names and tags trimmed, goals
// lower case, sports and goals without duplicates (sports in the order of
// sport.All), the default visibility and member limit filled in. The
// error names the field (fielderr).
func Normalize(f Facts) (Facts, error) {
	var err error
	if f.Name, err = text("name", f.Name, 1, MaxName, false); err != nil {
		return f, err
	}
	if f.Description, err = text("description", f.Description, 0, MaxDescription, true); err != nil {
		return f, err
	}
	if len(f.Sports) > MaxSports {
		return f, fielderr.New("sports", "at most %d sports", MaxSports)
	}
	for i, s := range f.Sports {
		if !sport.Valid(s) {
			return f, fielderr.New("sports["+strconv.Itoa(i)+"]", "%q is not a sport", s)
		}
	}
	f.Sports = append([]string{}, f.Sports...)
	slices.SortFunc(f.Sports, func(a, b string) int { return sport.Index(a) - sport.Index(b) })
	f.Sports = slices.Compact(f.Sports)
	if len(f.Goals) > MaxGoals {
		return f, fielderr.New("goals", "at most %d goals", MaxGoals)
	}
	goals := make([]string, 0, len(f.Goals))
	for i, g := range f.Goals {
		g, err := Goal("goals["+strconv.Itoa(i)+"]", g)
		if err != nil {
			return f, err
		}
		if !slices.Contains(goals, g) {
			goals = append(goals, g)
		}
	}
	f.Goals = goals
	if f.Place != nil {
		if err := CheckPlace("place", *f.Place); err != nil {
			return f, err
		}
	}
	switch f.Visibility {
	case "":
		f.Visibility = Public
	case Public, Private:
	default:
		return f, fielderr.New("visibility", "must be public or private")
	}
	switch {
	case f.MemberLimit == 0:
		f.MemberLimit = DefaultLimit
	case f.MemberLimit < MinMemberLimit || f.MemberLimit > MaxMemberLimit:
		return f, fielderr.New("member_limit", "must be between %d and %d", MinMemberLimit, MaxMemberLimit)
	}
	return f, nil
}

// Goal checks and normalizes one goal tag (field names it): trimmed, inner
// spaces collapsed, lower case, 1 to MaxGoal characters, printable.
func Goal(field, g string) (string, error) {
	g = strings.ToLower(strings.Join(strings.Fields(g), " "))
	if _, err := text(field, g, 1, MaxGoal, false); err != nil {
		return "", err
	}
	return g, nil
}

// CheckPlace checks a place's coordinates and radius (field names it).
func CheckPlace(field string, p Place) error {
	switch {
	case !(p.Lat >= -90 && p.Lat <= 90):
		return fielderr.New(field+".lat", "must be between -90 and 90")
	case !(p.Lon >= -180 && p.Lon <= 180):
		return fielderr.New(field+".lon", "must be between -180 and 180")
	case p.RadiusM < 1 || p.RadiusM > MaxRadiusM:
		return fielderr.New(field+".radius_m", "must be between 1 and %d", MaxRadiusM)
	}
	return nil
}

// text trims s and checks its length in characters and that it holds no
// control characters (newlines and tabs allowed when multiline).
func text(field, s string, minLen, maxLen int, multiline bool) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return s, fielderr.New(field, "must be UTF-8")
	}
	n := utf8.RuneCountInString(s)
	if n < minLen {
		if minLen == 1 {
			return s, fielderr.New(field, "must not be empty")
		}
		return s, fielderr.New(field, "must be at least %d characters", minLen)
	}
	if n > maxLen {
		return s, fielderr.New(field, "must be at most %d characters", maxLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return s, fielderr.New(field, "must not contain control characters")
		}
	}
	return s, nil
}

// JoinMessage checks the message of a request to join.
func JoinMessage(s string) (string, error) {
	return text("message", s, 0, MaxJoinMessage, true)
}
