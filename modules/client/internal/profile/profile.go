// Package profile holds the rules of a user's profile: which values are
// valid, how a partial update applies, and the privacy defaults. It has no
// SQL, NATS or fx in it.
package profile

import (
	"slices"
	"strings"
	"time"
	// The IANA database is embedded, so time zones validate on any host.
	_ "time/tzdata"

	"golang.org/x/text/language"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/internal/kit/sport"
)

// Units of measure a user may prefer.
const (
	UnitsMetric   = "metric"
	UnitsImperial = "imperial"
)

// Languages the app's interface is translated into (BCP 47).
var Languages = []string{"en", "de", "fr", "es", "it", "pt", "pt-BR", "nl", "pl", "cs", "sv", "da", "nb", "fi", "ru", "uk", "tr", "ja", "ko", "zh-Hans", "zh-Hant"}

// Sexes a user may state (optional; used for calorie and heart-rate estimates).
var Sexes = []string{"female", "male", "other"}

// Profile is a user's profile.
type Profile struct {
	FirstName    string
	LastName     string
	BirthDate    *time.Time // a date (UTC midnight)
	Country      *string    // ISO 3166-1 alpha-2, upper case
	Language     string     // BCP 47, one of Languages
	Units        string
	TimeZone     string // IANA
	Sex          *string
	WeightKg     *float64
	HeightCm     *float64
	RestingHRBpm *int
	MaxHRBpm     *int
	// ThresholdHRBpm is the lactate threshold heart rate.
	ThresholdHRBpm *int
	Privacy        Privacy
}

// Privacy holds who sees what by default.
type Privacy struct {
	// DefaultVisibility applies to new activities of any sport not in
	// SportVisibility.
	DefaultVisibility string
	// SportVisibility overrides the default per sport, e.g. runs public
	// but rides private (none of the big platforms offers this).
	SportVisibility map[string]string
	// ShowInLeaderboards lets the user appear in leaderboards.
	ShowInLeaderboards bool
	// ShowAge lets others see the user's age (never the birth date).
	ShowAge bool
}

// DefaultPrivacy is the privacy of a new account: activities visible to
// the user's followers and groups, listed in leaderboards, age hidden.
func DefaultPrivacy() Privacy {
	return Privacy{DefaultVisibility: sport.Followers, ShowInLeaderboards: true}
}

// AgeAt is the age in whole years of someone born on birth, at now.
func AgeAt(birth, now time.Time) int {
	y := now.Year() - birth.Year()
	if now.Month() < birth.Month() || now.Month() == birth.Month() && now.Day() < birth.Day() {
		y--
	}
	return y
}

// NormalizeLanguage returns the supported tag matching s (case-insensitive
// BCP 47), or an error.
func NormalizeLanguage(s string) (string, error) {
	tag, err := language.Parse(s)
	if err != nil {
		return "", fielderr.New("language", "%q is not a BCP 47 language tag", s)
	}
	for _, l := range Languages {
		if strings.EqualFold(tag.String(), l) {
			return l, nil
		}
	}
	return "", fielderr.New("language", "%q is not supported; supported: %s", s, strings.Join(Languages, ", "))
}

// NormalizeCountry returns the ISO 3166-1 alpha-2 code for s, or an error.
func NormalizeCountry(s string) (string, error) {
	if len(s) != 2 {
		return "", fielderr.New("country", "must be an ISO 3166-1 alpha-2 code such as DE")
	}
	r, err := language.ParseRegion(strings.ToUpper(s))
	if err != nil || !r.IsCountry() || r.String() != strings.ToUpper(s) {
		return "", fielderr.New("country", "%q is not an ISO 3166-1 alpha-2 country code", s)
	}
	return r.String(), nil
}

// CheckTimeZone checks an IANA time zone name.
func CheckTimeZone(s string) error {
	if s == "" || s == "Local" || len(s) > 64 {
		return fielderr.New("time_zone", "must be an IANA time zone such as Europe/Berlin")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fielderr.New("time_zone", "%q is not an IANA time zone", s)
	}
	return nil
}

// CheckBirthDate refuses dates in the future and ages over 120.
func CheckBirthDate(d, now time.Time) error {
	if d.After(now) {
		return fielderr.New("birth_date", "is in the future")
	}
	if AgeAt(d, now) > 120 {
		return fielderr.New("birth_date", "gives an age over 120")
	}
	return nil
}

// CheckVisibility checks a visibility value.
func CheckVisibility(field, v string) error {
	if !sport.ValidVisibility(v) {
		return fielderr.New(field, "must be private, followers or public")
	}
	return nil
}

// CheckPrivacy checks every value of a privacy setting.
func CheckPrivacy(p Privacy) error {
	if err := CheckVisibility("privacy.default_visibility", p.DefaultVisibility); err != nil {
		return err
	}
	for name, v := range p.SportVisibility {
		if !sport.Valid(name) {
			return fielderr.New("privacy.sport_visibility", "unknown sport %q", name)
		}
		if err := CheckVisibility("privacy.sport_visibility."+name, v); err != nil {
			return err
		}
	}
	return nil
}

// CheckName checks a first or last name.
func CheckName(field, s string) error {
	if len([]rune(s)) > 100 {
		return fielderr.New(field, "must be at most 100 characters")
	}
	if strings.ContainsAny(s, "\x00\n\r\t") {
		return fielderr.New(field, "must not contain control characters")
	}
	return nil
}

// CheckRanges checks the optional body facts.
func (p Profile) CheckRanges() error {
	if p.Sex != nil && !slices.Contains(Sexes, *p.Sex) {
		return fielderr.New("sex", "must be female, male or other")
	}
	if p.WeightKg != nil && (*p.WeightKg < 20 || *p.WeightKg > 400) {
		return fielderr.New("weight_kg", "must be between 20 and 400")
	}
	if p.HeightCm != nil && (*p.HeightCm < 50 || *p.HeightCm > 280) {
		return fielderr.New("height_cm", "must be between 50 and 280")
	}
	if p.RestingHRBpm != nil && (*p.RestingHRBpm < 20 || *p.RestingHRBpm > 150) {
		return fielderr.New("resting_hr_bpm", "must be between 20 and 150")
	}
	if p.MaxHRBpm != nil && (*p.MaxHRBpm < 80 || *p.MaxHRBpm > 250) {
		return fielderr.New("max_hr_bpm", "must be between 80 and 250")
	}
	if p.RestingHRBpm != nil && p.MaxHRBpm != nil && *p.RestingHRBpm >= *p.MaxHRBpm {
		return fielderr.New("max_hr_bpm", "must be above the resting heart rate")
	}
	if t := p.ThresholdHRBpm; t != nil {
		switch {
		case *t < 80 || *t > 230:
			return fielderr.New("threshold_hr_bpm", "must be between 80 and 230")
		case p.MaxHRBpm != nil && *t >= *p.MaxHRBpm:
			return fielderr.New("threshold_hr_bpm", "must be below the maximum heart rate")
		case p.RestingHRBpm != nil && *t <= *p.RestingHRBpm:
			return fielderr.New("threshold_hr_bpm", "must be above the resting heart rate")
		}
	}
	if p.Units != UnitsMetric && p.Units != UnitsImperial {
		return fielderr.New("units", "must be metric or imperial")
	}
	return nil
}

// Patch changes a profile, with JSON merge patch semantics (package
// patch): an absent field stays, a value sets it, and null clears an
// optional field (birth date, country, sex, weight, height, heart rates,
// the sport visibilities). Null on a field that cannot be cleared sets
// its zero value, which is refused where that is not valid (language,
// units, time zone, default visibility).
type Patch struct {
	FirstName      patch.Field[string]
	LastName       patch.Field[string]
	BirthDate      patch.Field[string] // YYYY-MM-DD
	Country        patch.Field[string]
	Language       patch.Field[string]
	Units          patch.Field[string]
	TimeZone       patch.Field[string]
	Sex            patch.Field[string]
	WeightKg       patch.Field[float64]
	HeightCm       patch.Field[float64]
	RestingHRBpm   patch.Field[int]
	MaxHRBpm       patch.Field[int]
	ThresholdHRBpm patch.Field[int]
	Privacy        patch.Field[PrivacyPatch] // cannot be null
}

// PrivacyPatch changes the privacy settings, as Patch does.
type PrivacyPatch struct {
	DefaultVisibility  patch.Field[string]
	SportVisibility    patch.Field[map[string]string]
	ShowInLeaderboards patch.Field[bool]
	ShowAge            patch.Field[bool]
}

// Apply returns p with the patch applied, checking every value (now
// bounds the birth date): the first invalid field in the order of their
// names is the error, a fielderr.Error.
func (p Profile) Apply(pt Patch, now time.Time) (Profile, error) {
	if pt.BirthDate.Set {
		p.BirthDate = nil
		if !pt.BirthDate.Null {
			d, err := time.Parse(time.DateOnly, pt.BirthDate.Value)
			if err != nil {
				return p, fielderr.New("birth_date", "must be a date (YYYY-MM-DD)")
			}
			if err := CheckBirthDate(d, now); err != nil {
				return p, err
			}
			p.BirthDate = &d
		}
	}
	if pt.Country.Set {
		p.Country = nil
		if !pt.Country.Null {
			c, err := NormalizeCountry(pt.Country.Value)
			if err != nil {
				return p, err
			}
			p.Country = &c
		}
	}
	if pt.FirstName.Set {
		if err := CheckName("first_name", pt.FirstName.Value); err != nil {
			return p, err
		}
		p.FirstName = pt.FirstName.Value
	}
	if pt.Language.Set {
		l, err := NormalizeLanguage(pt.Language.Value)
		if err != nil {
			return p, err
		}
		p.Language = l
	}
	if pt.LastName.Set {
		if err := CheckName("last_name", pt.LastName.Value); err != nil {
			return p, err
		}
		p.LastName = pt.LastName.Value
	}
	if pt.Privacy.Set {
		if pt.Privacy.Null {
			return p, fielderr.New("privacy", "cannot be cleared; set its fields instead")
		}
		p.Privacy = p.Privacy.apply(pt.Privacy.Value)
		if err := CheckPrivacy(p.Privacy); err != nil {
			return p, err
		}
	}
	if pt.TimeZone.Set {
		if err := CheckTimeZone(pt.TimeZone.Value); err != nil {
			return p, err
		}
		p.TimeZone = pt.TimeZone.Value
	}
	if pt.Units.Set {
		p.Units = pt.Units.Value
	}
	patch.Apply(pt.Sex, &p.Sex)
	patch.Apply(pt.WeightKg, &p.WeightKg)
	patch.Apply(pt.HeightCm, &p.HeightCm)
	patch.Apply(pt.RestingHRBpm, &p.RestingHRBpm)
	patch.Apply(pt.MaxHRBpm, &p.MaxHRBpm)
	patch.Apply(pt.ThresholdHRBpm, &p.ThresholdHRBpm)
	return p, p.CheckRanges()
}

func (p Privacy) apply(pt PrivacyPatch) Privacy {
	if pt.DefaultVisibility.Set {
		p.DefaultVisibility = pt.DefaultVisibility.Value
	}
	if pt.SportVisibility.Set {
		p.SportVisibility = pt.SportVisibility.Value // nil when null
	}
	if pt.ShowInLeaderboards.Set {
		p.ShowInLeaderboards = pt.ShowInLeaderboards.Value
	}
	if pt.ShowAge.Set {
		p.ShowAge = pt.ShowAge.Value
	}
	return p
}
