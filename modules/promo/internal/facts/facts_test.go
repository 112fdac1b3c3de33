package facts_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/modules/promo/internal/facts"
)

// Age counts whole years in UTC: 17 the day before the 18th birthday, 18
// on it; a user born on 29 February is a year older on 1 March. Only a
// known adult who did not object is personalisable.
func TestAgeAndPersonalisable(t *testing.T) {
	t.Parallel()
	born := date(2008, 12, 7)
	f := facts.Facts{UserID: uuid.New(), Known: true, BirthDate: born}
	for _, c := range []struct {
		now   time.Time
		age   int
		adult bool
	}{
		{time.Date(2026, 12, 6, 23, 59, 59, 0, time.UTC), 17, false},
		{time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), 18, true},
		{time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), 18, true},
		// 23:30 on the 6th in New York is the 7th in UTC.
		{time.Date(2026, 12, 6, 23, 30, 0, 0, time.FixedZone("EST", -5*3600)), 18, true},
		{time.Date(2027, 12, 6, 0, 0, 0, 0, time.UTC), 18, true},
	} {
		age, ok := f.Age(c.now)
		assert.True(t, ok)
		assert.Equal(t, c.age, age, c.now)
		assert.Equal(t, c.adult, f.Personalisable(c.now), c.now)
	}

	leap := facts.Facts{Known: true, BirthDate: date(2008, 2, 29)}
	age, _ := leap.Age(time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC))
	assert.Equal(t, 17, age)
	age, _ = leap.Age(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, 18, age)

	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	_, ok := facts.Facts{Known: true}.Age(now)
	assert.False(t, ok, "no birth date: unknown age")
	assert.False(t, facts.Facts{Known: true}.Personalisable(now), "no birth date: untargeted")
	assert.False(t, facts.Facts{Known: true, BirthDate: date(1980, 1, 1), Objected: true}.Personalisable(now), "objected")
	assert.False(t, facts.Facts{BirthDate: date(1980, 1, 1)}.Personalisable(now), "unknown user")
	assert.True(t, facts.Facts{Known: true, BirthDate: date(1980, 1, 1)}.Personalisable(now))
}

// WornFraction needs a positive threshold.
func TestWornFraction(t *testing.T) {
	t.Parallel()
	w, ok := facts.Gear{DistanceM: 640_000, ReplacementThresholdM: ptr(800_000.0)}.WornFraction()
	assert.True(t, ok)
	assert.InDelta(t, 0.8, w, 1e-12)
	_, ok = facts.Gear{DistanceM: 10}.WornFraction()
	assert.False(t, ok)
	_, ok = facts.Gear{DistanceM: 10, ReplacementThresholdM: ptr(0.0)}.WornFraction()
	assert.False(t, ok)
}
