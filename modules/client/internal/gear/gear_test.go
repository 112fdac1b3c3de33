package gear

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/patch"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func sp(s string) *string       { return &s }
func fp(f float64) *float64     { return &f }
func tp(t time.Time) *time.Time { return &t }

func fieldOf(t *testing.T, err error) string {
	t.Helper()
	var fe *fielderr.Error
	require.True(t, errors.As(err, &fe), "%v is not a field error", err)
	return fe.Field
}

func newBike(t *testing.T) Gear {
	t.Helper()
	g, err := New(Input{Type: "bike", Brand: sp("Canyon"), ReplacementThresholdM: fp(1000),
		DefaultFor: []string{"ride"},
		Components: []ComponentInput{
			{Type: "chain", ReplacementThresholdM: fp(300), InstalledAt: tp(now.Add(-time.Hour))},
			{Type: "tyre_rear"},
		}}, uuid.New(), uuid.New(), now, uuid.New)
	require.NoError(t, err)
	return g
}

func TestNew(t *testing.T) {
	g, err := New(Input{Type: "shoes"}, uuid.New(), uuid.New(), now, uuid.New)
	require.NoError(t, err)
	assert.Equal(t, "shoes", g.Name())
	assert.Nil(t, g.Brand)
	assert.Zero(t, g.DistanceM())

	g, err = New(Input{Type: "shoes", Brand: sp("  Brooks "), Model: sp(" "), Nickname: nil, PurchaseDate: sp("2026-03-01"),
		StartingDistanceM: fp(12.5), DefaultFor: []string{"walk", "run"}}, uuid.New(), uuid.New(), now, uuid.New)
	require.NoError(t, err)
	assert.Equal(t, "Brooks", *g.Brand)
	assert.Nil(t, g.Model, "blank is unset")
	assert.Equal(t, "Brooks", g.Name())
	assert.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), *g.PurchaseDate)
	assert.Equal(t, []string{"run", "walk"}, g.DefaultFor)
	assert.Equal(t, 12.5, g.DistanceM())

	b := newBike(t)
	require.Len(t, b.Components, 2)
	assert.Equal(t, now.Add(-time.Hour), b.Components[0].InstalledAt)
	assert.Equal(t, now, b.Components[1].InstalledAt, "installed now by default")
	assert.True(t, b.Components[0].Recount)

	long := strings.Repeat("x", 101)
	many := make([]ComponentInput, 21)
	for i := range many {
		many[i] = ComponentInput{Type: "other"}
	}
	bad := map[string]Input{
		"type":                                  {Type: "hoverboard"},
		"brand":                                 {Type: "shoes", Brand: sp(long)},
		"model":                                 {Type: "shoes", Model: sp("a\x00b")},
		"nickname":                              {Type: "shoes", Nickname: sp("bad\xffutf8")},
		"purchase_date":                         {Type: "shoes", PurchaseDate: sp("2026-02-30")},
		"starting_distance_m":                   {Type: "shoes", StartingDistanceM: fp(-1)},
		"replacement_threshold_m":               {Type: "shoes", ReplacementThresholdM: fp(0)},
		"default_for[1]":                        {Type: "shoes", DefaultFor: []string{"run", "flying"}},
		"default_for":                           {Type: "shoes", Retired: true, DefaultFor: []string{"run"}},
		"components":                            {Type: "shoes", Components: []ComponentInput{{Type: "chain"}}},
		"components[0].type":                    {Type: "bike", Components: []ComponentInput{{Type: "warp_drive"}}},
		"components[0].id":                      {Type: "bike", Components: []ComponentInput{{ID: uuid.NewString(), Type: "chain"}}},
		"components[1].installed_at":            {Type: "bike", Components: []ComponentInput{{Type: "chain"}, {Type: "chain", InstalledAt: tp(now.AddDate(0, 0, 3))}}},
		"components[0].replacement_threshold_m": {Type: "bike", Components: []ComponentInput{{Type: "chain", ReplacementThresholdM: fp(math.Inf(1))}}},
	}
	for field, in := range bad {
		_, err := New(in, uuid.New(), uuid.New(), now, uuid.New)
		assert.Equal(t, field, fieldOf(t, err), field)
	}
	_, err = New(Input{Type: "bike", Components: many}, uuid.New(), uuid.New(), now, uuid.New)
	assert.Equal(t, "components", fieldOf(t, err))
	_, err = New(Input{Type: "shoes", DefaultFor: []string{"run", "run"}}, uuid.New(), uuid.New(), now, uuid.New)
	assert.Equal(t, "default_for[1]", fieldOf(t, err))
}

func TestChecks(t *testing.T) {
	s, err := CheckText("brand", sp(strings.Repeat("é", 100)))
	require.NoError(t, err)
	assert.Len(t, []rune(*s), 100, "characters, not bytes")
	_, err = CheckText("brand", sp(strings.Repeat("é", 101)))
	assert.Error(t, err)

	for _, d := range []string{"2026-11-27", "1900-01-01"} {
		_, err := ParseDate("d", d, now)
		assert.NoError(t, err, d)
	}
	for _, d := range []string{"2026-11-29", "1899-12-31", "26-11-2026", "2026-11-26T00:00:00Z", ""} {
		_, err := ParseDate("d", d, now)
		assert.Error(t, err, d)
	}

	assert.NoError(t, CheckDistance("d", 0, false))
	assert.NoError(t, CheckDistance("d", MaxDistanceM, true))
	for _, c := range []struct {
		m        float64
		positive bool
	}{{-0.1, false}, {0, true}, {MaxDistanceM + 1, false}, {math.NaN(), false}, {math.Inf(1), true}} {
		assert.Error(t, CheckDistance("d", c.m, c.positive), c.m)
	}

	assert.Equal(t, []string{"run", "ride", "zumba"}, SortSports([]string{"zumba", "ride", "run"}))
}

func TestApply(t *testing.T) {
	g := newBike(t)
	g.Nickname = sp("Blue")
	g.WearNotifiedAt = tp(now)
	g.Components[0].WearNotifiedAt = tp(now)
	g.Components[0].DistanceM, g.Components[0].Sessions, g.Components[0].Recount = 350, 4, false
	later := now.Add(time.Hour)

	// Nothing named, nothing changed.
	same, changed, err := g.Apply(Patch{}, later, uuid.New)
	require.NoError(t, err)
	assert.False(t, changed)
	assert.Equal(t, g.UpdatedAt, same.UpdatedAt)
	_, changed, err = g.Apply(Patch{Brand: patch.Val("Canyon"), ReplacementThresholdM: patch.Val(1000.0)}, later, uuid.New)
	require.NoError(t, err)
	assert.False(t, changed, "the same values")

	// Null clears, values set, the rest stays.
	p, changed, err := g.Apply(Patch{Nickname: patch.Null[string](), Model: patch.Val(" Endurace "), StartingDistanceM: patch.Val(5.0)}, later, uuid.New)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, later, p.UpdatedAt)
	assert.Nil(t, p.Nickname)
	assert.Equal(t, "Endurace", *p.Model)
	assert.Equal(t, "Canyon", *p.Brand)
	assert.Equal(t, 5.0, p.StartingDistanceM)
	assert.NotNil(t, p.WearNotifiedAt, "the threshold did not change")
	assert.Equal(t, "Blue", *g.Nickname, "the original is untouched")

	// A new threshold can be announced again; so can no threshold.
	p, _, err = g.Apply(Patch{ReplacementThresholdM: patch.Val(2000.0)}, later, uuid.New)
	require.NoError(t, err)
	assert.Nil(t, p.WearNotifiedAt)
	p, _, err = g.Apply(Patch{ReplacementThresholdM: patch.Null[float64]()}, later, uuid.New)
	require.NoError(t, err)
	assert.Nil(t, p.ThresholdM)

	// Retiring drops the defaults; a retired default is refused.
	p, _, err = g.Apply(Patch{Retired: patch.Val(true)}, later, uuid.New)
	require.NoError(t, err)
	assert.True(t, p.Retired)
	assert.Empty(t, p.DefaultFor)
	_, _, err = g.Apply(Patch{Retired: patch.Val(true), DefaultFor: patch.Val([]string{"ride"})}, later, uuid.New)
	assert.Equal(t, "default_for", fieldOf(t, err))
	_, _, err = p.Apply(Patch{DefaultFor: patch.Val([]string{"ride"})}, later, uuid.New)
	assert.Equal(t, "default_for", fieldOf(t, err), "already retired")

	// Components: the chain kept (totals too), the tyre dropped, pads added.
	chain := g.Components[0]
	p, changed, err = g.Apply(Patch{Components: patch.Val([]ComponentInput{
		{ID: chain.ID.String(), Type: "chain", Brand: sp("KMC"), ReplacementThresholdM: fp(300)},
		{Type: "brake_pads"},
	})}, later, uuid.New)
	require.NoError(t, err)
	assert.True(t, changed)
	require.Len(t, p.Components, 2)
	assert.Equal(t, chain.ID, p.Components[0].ID)
	assert.Equal(t, "KMC", *p.Components[0].Brand)
	assert.Equal(t, 350.0, p.Components[0].DistanceM)
	assert.False(t, p.Components[0].Recount)
	assert.NotNil(t, p.Components[0].WearNotifiedAt)
	assert.Equal(t, later, p.Components[1].InstalledAt)
	assert.True(t, p.Components[1].Recount)

	// A new installed_at is a replacement: recount, announce again.
	p, _, err = g.Apply(Patch{Components: patch.Val([]ComponentInput{
		{ID: chain.ID.String(), Type: "chain", InstalledAt: tp(later), ReplacementThresholdM: fp(300)},
	})}, later, uuid.New)
	require.NoError(t, err)
	assert.True(t, p.Components[0].Recount)
	assert.Nil(t, p.Components[0].WearNotifiedAt)

	bad := map[string]Patch{
		"brand":                      {Brand: patch.Val(strings.Repeat("b", 101))},
		"purchase_date":              {PurchaseDate: patch.Val("soon")},
		"starting_distance_m":        {StartingDistanceM: patch.Null[float64]()},
		"replacement_threshold_m":    {ReplacementThresholdM: patch.Val(-1.0)},
		"retired":                    {Retired: patch.Null[bool]()},
		"default_for":                {DefaultFor: patch.Null[[]string]()},
		"default_for[0]":             {DefaultFor: patch.Val([]string{"chess"})},
		"components":                 {Components: patch.Null[[]ComponentInput]()},
		"components[0].id":           {Components: patch.Val([]ComponentInput{{ID: uuid.NewString(), Type: "chain"}})},
		"components[1].id":           {Components: patch.Val([]ComponentInput{{ID: chain.ID.String(), Type: "chain"}, {ID: chain.ID.String(), Type: "chain"}})},
		"components[0].type":         {Components: patch.Val([]ComponentInput{{ID: chain.ID.String()}})},
		"components[0].model":        {Components: patch.Val([]ComponentInput{{Type: "chain", Model: sp("a\nb")}})},
		"components[0].installed_at": {Components: patch.Val([]ComponentInput{{Type: "chain", InstalledAt: tp(time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC))}})},
	}
	for field, patch := range bad {
		out, changed, err := g.Apply(patch, later, uuid.New)
		assert.Equal(t, field, fieldOf(t, err), field)
		assert.False(t, changed, field)
		assert.Equal(t, g, out, "%s: an error changes nothing", field)
	}
	shoes, err := New(Input{Type: "shoes"}, uuid.New(), uuid.New(), now, uuid.New)
	require.NoError(t, err)
	_, _, err = shoes.Apply(Patch{Components: patch.Val([]ComponentInput{{Type: "chain"}})}, later, uuid.New)
	assert.Equal(t, "components", fieldOf(t, err))
	_, _, err = shoes.Apply(Patch{Components: patch.Val([]ComponentInput{})}, later, uuid.New)
	assert.NoError(t, err, "no components is fine for anything")
}

func TestRecordAndWear(t *testing.T) {
	g := newBike(t) // threshold 1000; chain (300) installed an hour ago; tyre now
	for i := range g.Components {
		g.Components[i].Recount = false
	}
	g.StartingDistanceM = 500
	g.Record(Usage{SessionID: uuid.New(), DistanceM: 200, MovingTimeS: 60, CompletedAt: now.Add(-30 * time.Minute)})
	assert.Equal(t, 700.0, g.DistanceM())
	assert.Equal(t, 1, g.Sessions)
	assert.Equal(t, 200.0, g.Components[0].DistanceM, "the chain was on")
	assert.Zero(t, g.Components[1].DistanceM, "the tyre came later")
	assert.Empty(t, g.CheckWear(now))

	g.Record(Usage{SessionID: uuid.New(), DistanceM: 150, MovingTimeS: 50, CompletedAt: now.Add(-45 * time.Minute)})
	assert.Equal(t, now.Add(-30*time.Minute), *g.LastUsedAt, "the latest session, whatever the order")
	assert.Equal(t, 110.0, g.MovingTimeS)
	wear := g.CheckWear(now)
	require.Len(t, wear, 1)
	assert.Equal(t, Wear{ComponentID: g.Components[0].ID, ComponentType: "chain", DistanceM: 350, ThresholdM: 300}, wear[0])
	assert.Empty(t, g.CheckWear(now), "once")

	g.Record(Usage{SessionID: uuid.New(), DistanceM: 300, CompletedAt: now})
	wear = g.CheckWear(now)
	require.Len(t, wear, 1)
	assert.Equal(t, uuid.Nil, wear[0].ComponentID)
	assert.Equal(t, 1150.0, wear[0].DistanceM)
	assert.Equal(t, "Canyon", g.Name())
	assert.Empty(t, g.CheckWear(now))

	// Retired items announce nothing; without a threshold nothing is due.
	r := newBike(t)
	r.Retired = true
	r.Record(Usage{DistanceM: 5000, CompletedAt: now})
	assert.Empty(t, r.CheckWear(now))
	r.Retired = false
	assert.Len(t, r.CheckWear(now), 2, "an item back in use is announced")
	r.ThresholdM = nil
	r.CheckWear(now)
	assert.Nil(t, r.WearNotifiedAt)

	assert.True(t, g.WearLimitReached())
	assert.True(t, g.Components[0].WearLimitReached())
	assert.False(t, g.Components[1].WearLimitReached())
	assert.Equal(t, 1150.0, g.DistanceM())
}

func TestParseSession(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	ev := SessionEvent{SessionID: uuid.NewString(), UserID: uuid.NewString(), Sport: "ride", DistanceM: 1000,
		MovingTimeS: 200, ElapsedTimeS: 250, CompletedAt: now, GearIDs: []string{b.String(), "nope", a.String(), b.String(), ""}}
	s, err := ParseSession(ev)
	require.NoError(t, err)
	assert.ElementsMatch(t, []uuid.UUID{a, b}, s.GearIDs, "malformed and repeated ids dropped")
	assert.Equal(t, Usage{SessionID: s.ID, DistanceM: 1000, MovingTimeS: 200, CompletedAt: now}, s.Usage())

	many := ev
	many.GearIDs = nil
	for range 30 {
		many.GearIDs = append(many.GearIDs, uuid.NewString())
	}
	s, err = ParseSession(many)
	require.NoError(t, err)
	assert.Len(t, s.GearIDs, MaxGearPerSession)

	for field, mut := range map[string]func(*SessionEvent){
		"session_id":     func(e *SessionEvent) { e.SessionID = "x" },
		"user_id":        func(e *SessionEvent) { e.UserID = "" },
		"distance_m":     func(e *SessionEvent) { e.DistanceM = -1 },
		"moving_time_s":  func(e *SessionEvent) { e.MovingTimeS = math.NaN() },
		"elapsed_time_s": func(e *SessionEvent) { e.ElapsedTimeS = 1e9 },
		"completed_at":   func(e *SessionEvent) { e.CompletedAt = time.Time{} },
	} {
		e := ev
		mut(&e)
		_, err := ParseSession(e)
		assert.Equal(t, field, fieldOf(t, err), field)
	}
}

// A session taken back leaves the totals as they were without it.
func TestUnrecordTakesASessionBack(t *testing.T) {
	g := newBike(t) // chain installed an hour ago, tyre now
	first := Usage{SessionID: uuid.New(), DistanceM: 200, MovingTimeS: 60, CompletedAt: now.Add(-30 * time.Minute)}
	second := Usage{SessionID: uuid.New(), DistanceM: 150, MovingTimeS: 50, CompletedAt: now}
	g.Record(first)
	g.Record(second)
	g.Unrecord(first)
	assert.Equal(t, 150.0, g.UsageDistanceM)
	assert.Equal(t, 50.0, g.MovingTimeS)
	assert.Equal(t, 1, g.Sessions)
	assert.Equal(t, 150.0, g.Components[0].DistanceM)
	assert.Equal(t, 1, g.Components[0].Sessions)
	assert.Equal(t, 150.0, g.Components[1].DistanceM, "the tyre counted only the second")
	g.Unrecord(second)
	assert.Zero(t, g.UsageDistanceM)
	assert.Zero(t, g.Sessions)
	assert.Zero(t, g.Components[1].DistanceM)
}
