package group_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/social/internal/group"
)

func fieldOf(t *testing.T, err error) string {
	t.Helper()
	var fe *fielderr.Error
	require.True(t, errors.As(err, &fe), "%v is a field error", err)
	return fe.Field
}

func TestNormalize(t *testing.T) {
	f, err := group.Normalize(group.Facts{Name: " Club ", Sports: []string{"swim", "run", "swim"}, Goals: []string{" Weight  Loss", "weight loss", "5K"}})
	require.NoError(t, err)
	assert.Equal(t, "Club", f.Name)
	assert.Equal(t, []string{"run", "swim"}, f.Sports, "in sport.All's order, once")
	assert.Equal(t, []string{"weight loss", "5k"}, f.Goals)
	assert.Equal(t, group.Public, f.Visibility)
	assert.Equal(t, group.DefaultLimit, f.MemberLimit)
	assert.NotNil(t, f.Sports)

	bad := []struct {
		f     group.Facts
		field string
	}{
		{group.Facts{Name: "  "}, "name"},
		{group.Facts{Name: strings.Repeat("é", 101)}, "name"},
		{group.Facts{Name: "a\x00b"}, "name"},
		{group.Facts{Name: "a\nb"}, "name"},
		{group.Facts{Name: "a", Description: strings.Repeat("d", 2001)}, "description"},
		{group.Facts{Name: "a", Description: "bell\x07"}, "description"},
		{group.Facts{Name: "a", Sports: []string{"run", "quidditch"}}, "sports[1]"},
		{group.Facts{Name: "a", Sports: make([]string, 13)}, "sports"},
		{group.Facts{Name: "a", Goals: make([]string, 11)}, "goals"},
		{group.Facts{Name: "a", Goals: []string{" "}}, "goals[0]"},
		{group.Facts{Name: "a", Goals: []string{strings.Repeat("g", 41)}}, "goals[0]"},
		{group.Facts{Name: "a", Place: &group.Place{Lat: 91, RadiusM: 1}}, "place.lat"},
		{group.Facts{Name: "a", Place: &group.Place{Lon: -181, RadiusM: 1}}, "place.lon"},
		{group.Facts{Name: "a", Place: &group.Place{RadiusM: 0}}, "place.radius_m"},
		{group.Facts{Name: "a", Place: &group.Place{RadiusM: 500_001}}, "place.radius_m"},
		{group.Facts{Name: "a", Visibility: "secret"}, "visibility"},
		{group.Facts{Name: "a", MemberLimit: 1}, "member_limit"},
		{group.Facts{Name: "a", MemberLimit: 100_001}, "member_limit"},
	}
	for _, c := range bad {
		_, err := group.Normalize(c.f)
		assert.Equal(t, c.field, fieldOf(t, err), "%+v", c.f)
	}
}

func TestParseQuery(t *testing.T) {
	q, err := group.ParseQuery(group.SearchInput{Sport: "run", Goal: " First Marathon ", Text: "dawn", Near: "52.5, 13.4"})
	require.NoError(t, err)
	assert.Equal(t, "first marathon", q.Goal)
	require.NotNil(t, q.Near)
	assert.Equal(t, group.DefaultRadiusM, q.Near.RadiusM)
	assert.Equal(t, 20, q.Limit)

	c := group.Cursor{DistanceM: 1234.5, ID: [16]byte{1, 2, 3}}
	q, err = group.ParseQuery(group.SearchInput{Near: "0,0", RadiusM: 10, Cursor: c.Encode(true)})
	require.NoError(t, err)
	assert.Equal(t, c, *q.After)
	q, err = group.ParseQuery(group.SearchInput{Cursor: c.Encode(false)})
	require.NoError(t, err)
	assert.Equal(t, c.ID, q.After.ID)

	bad := []struct {
		in    group.SearchInput
		field string
	}{
		{group.SearchInput{Sport: "chess"}, "sport"},
		{group.SearchInput{Goal: strings.Repeat("g", 41)}, "goal"},
		{group.SearchInput{Text: "ab"}, "q"},
		{group.SearchInput{Text: "a\x01bc"}, "q"},
		{group.SearchInput{Near: "52.5"}, "near"},
		{group.SearchInput{Near: "x,y"}, "near"},
		{group.SearchInput{Near: "91,0"}, "near"},
		{group.SearchInput{Near: "0,181"}, "near"},
		{group.SearchInput{Near: "NaN,0"}, "near"},
		{group.SearchInput{Near: "0,0", RadiusM: 500_001}, "radius_m"},
		{group.SearchInput{RadiusM: 10}, "radius_m"},
		{group.SearchInput{Limit: 101}, "limit"},
		{group.SearchInput{Cursor: "***"}, "cursor"},
		{group.SearchInput{Near: "0,0", Cursor: c.Encode(false)}, "cursor"},
		{group.SearchInput{Cursor: c.Encode(true)}, "cursor"},
	}
	for _, b := range bad {
		_, err := group.ParseQuery(b.in)
		assert.Equal(t, b.field, fieldOf(t, err), "%+v", b.in)
	}
}

func TestTimeCursor(t *testing.T) {
	c := group.TimeCursor{Micros: 1_765_000_000_123_456, ID: [16]byte{9}}
	back, err := group.DecodeTimeCursor(c.Encode())
	require.NoError(t, err)
	assert.Equal(t, c, back)
	_, err = group.DecodeTimeCursor("AAAA")
	assert.Equal(t, "cursor", fieldOf(t, err))
}
