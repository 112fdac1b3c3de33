package profile

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/patch"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func fieldOf(t *testing.T, err error) string {
	t.Helper()
	var fe *fielderr.Error
	require.True(t, errors.As(err, &fe), "%v is not a field error", err)
	return fe.Field
}

// A patch is a JSON merge patch: absent stays, null clears, a value sets.
func TestApply(t *testing.T) {
	country, weight := "DE", 61.5
	p := Profile{FirstName: "Ana", Language: "en", Units: "metric", TimeZone: "UTC", Country: &country, WeightKg: &weight,
		Privacy: Privacy{DefaultVisibility: "followers", SportVisibility: map[string]string{"ride": "private"}, ShowInLeaderboards: true}}

	same, err := p.Apply(Patch{}, now)
	require.NoError(t, err)
	assert.Equal(t, p, same, "an empty patch changes nothing")

	got, err := p.Apply(Patch{LastName: patch.Val("López"), Country: patch.Null[string](), WeightKg: patch.Null[float64](),
		Language: patch.Val("PT-br"), BirthDate: patch.Val("1990-05-17"), MaxHRBpm: patch.Val(188),
		Privacy: patch.Val(PrivacyPatch{SportVisibility: patch.Null[map[string]string](), ShowAge: patch.Val(true)})}, now)
	require.NoError(t, err)
	assert.Equal(t, "Ana", got.FirstName, "absent stays")
	assert.Equal(t, "López", got.LastName)
	assert.Nil(t, got.Country, "null clears")
	assert.Nil(t, got.WeightKg)
	assert.Equal(t, "pt-BR", got.Language, "normalised")
	assert.Equal(t, time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), *got.BirthDate)
	assert.Equal(t, 188, *got.MaxHRBpm)
	assert.Equal(t, Privacy{DefaultVisibility: "followers", ShowInLeaderboards: true, ShowAge: true}, got.Privacy,
		"privacy fields not named stay")
	assert.Equal(t, "DE", *p.Country, "the profile patched is not changed")

	bad := map[string]Patch{
		"birth_date":                      {BirthDate: patch.Val("31/12/1990")},
		"country":                         {Country: patch.Val("XX")},
		"first_name":                      {FirstName: patch.Val("a\nb")},
		"language":                        {Language: patch.Null[string]()},
		"time_zone":                       {TimeZone: patch.Null[string]()},
		"units":                           {Units: patch.Val("furlongs")},
		"max_hr_bpm":                      {RestingHRBpm: patch.Val(100), MaxHRBpm: patch.Val(90)},
		"threshold_hr_bpm":                {ThresholdHRBpm: patch.Val(79)},
		"threshold_hr_bpm (above max)":    {MaxHRBpm: patch.Val(180), ThresholdHRBpm: patch.Val(185)},
		"threshold_hr_bpm (below rest)":   {RestingHRBpm: patch.Val(95), ThresholdHRBpm: patch.Val(90)},
		"privacy":                         {Privacy: patch.Null[PrivacyPatch]()},
		"privacy.default_visibility":      {Privacy: patch.Val(PrivacyPatch{DefaultVisibility: patch.Null[string]()})},
		"privacy.sport_visibility.run":    {Privacy: patch.Val(PrivacyPatch{SportVisibility: patch.Val(map[string]string{"run": "friends"})})},
		"weight_kg":                       {WeightKg: patch.Val(5.0)},
		"sex":                             {Sex: patch.Val("unknown")},
		"birth_date (the first, by name)": {BirthDate: patch.Val("soon"), WeightKg: patch.Val(5.0)},
	}
	for name, pt := range bad {
		_, err := p.Apply(pt, now)
		want, _, _ := strings.Cut(name, " ")
		assert.Equal(t, want, fieldOf(t, err), name)
	}
}
