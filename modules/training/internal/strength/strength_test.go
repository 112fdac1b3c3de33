package strength

import (
	"errors"
	"testing"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func f(v float64) *float64 { return &v }

func TestVolume(t *testing.T) {
	// 3 × 5 × 100 + 1 × 10 × 60 + a bodyweight set and a plank: 2,100 kg.
	sets := []Set{{Reps: 5, WeightKg: 100}, {Reps: 5, WeightKg: 100}, {Reps: 5, WeightKg: 100},
		{Reps: 10, WeightKg: 60}, {Reps: 12}, {DurationS: 60}}
	assert.Equal(t, 2100.0, Volume(sets))
	assert.Equal(t, 0.0, Volume(nil))
}

// By hand: Epley 100 kg × 5 = 100·(1 + 5/30) = 116.67; Brzycki 100 kg × 5
// = 100·36/32 = 112.5; 100 kg × 10: Epley 133.33, Brzycki 133.33 (the two
// meet at 10 reps); one rep is its own maximum.
func TestOneRM(t *testing.T) {
	for _, c := range []struct {
		formula string
		w       float64
		reps    int
		want    float64
		ok      bool
	}{
		{Epley, 100, 5, 116.6667, true},
		{Brzycki, 100, 5, 112.5, true},
		{Epley, 100, 10, 133.3333, true},
		{Brzycki, 100, 10, 133.3333, true},
		{Epley, 140, 1, 140, true},
		{Brzycki, 140, 1, 140, true},
		{Epley, 100, 11, 0, false}, // beyond the valid range
		{Brzycki, 100, 0, 0, false},
		{Epley, 0, 5, 0, false}, // bodyweight
		{"lombardi", 100, 5, 0, false},
	} {
		got, ok := OneRM(c.formula, c.w, c.reps)
		assert.Equal(t, c.ok, ok, "%+v", c)
		assert.InDelta(t, c.want, got, 1e-4, "%+v", c)
	}
}

func TestBests(t *testing.T) {
	session := []Exercise{
		{ID: "squat", Sets: []Set{
			{Reps: 10, WeightKg: 60, Warmup: true}, // e1RM 80 but a warm-up
			{Reps: 5, WeightKg: 100},               // 116.67
			{Reps: 3, WeightKg: 110},               // 121.0
			{Reps: 12, WeightKg: 90},               // too many reps for a 1RM; set volume 1080
		}},
		{ID: "pullup", Sets: []Set{{Reps: 12}, {Reps: 8}}},
		{ID: "squat", Sets: []Set{{Reps: 1, WeightKg: 120}}}, // 120 < 121
	}
	got, err := Bests(session, "")
	require.NoError(t, err)
	require.Len(t, got, 2)
	sq := got[0]
	assert.Equal(t, "squat", sq.Exercise)
	assert.Equal(t, 5, sq.Sets)
	assert.InDelta(t, 600+500+330+1080+120, sq.Volume, 1e-9)
	assert.InDelta(t, 121, sq.OneRM, 1e-9)
	assert.Equal(t, 2, sq.OneRMSet)
	assert.Equal(t, Epley, sq.Formula)
	assert.Equal(t, 120.0, sq.MaxWeightKg)
	assert.Equal(t, 12, sq.MaxReps)
	assert.Equal(t, 1080.0, sq.BestSetVolume)

	pu := got[1]
	assert.Equal(t, Best{Exercise: "pullup", Sets: 2, OneRMSet: -1, Formula: Epley, MaxReps: 12}, pu)

	got, err = Bests(session, Brzycki)
	require.NoError(t, err)
	// Brzycki: 110 × 3 → 116.47, 100 × 5 → 112.5; the single at 120 wins.
	assert.InDelta(t, 120, got[0].OneRM, 1e-9)
	assert.Equal(t, 4, got[0].OneRMSet)
}

func TestBestsInvalid(t *testing.T) {
	for _, c := range []struct {
		ex      []Exercise
		formula string
		field   string
	}{
		{[]Exercise{{ID: "squat"}}, "mayhew", "formula"},
		{[]Exercise{{ID: ""}}, "", "exercises[0].exercise"},
		{[]Exercise{{ID: "a"}, {ID: "b", Sets: []Set{{Reps: 5}, {Reps: -1}}}}, "", "exercises[1].sets[1].reps"},
		{[]Exercise{{ID: "a", Sets: []Set{{Reps: 5, WeightKg: 2000}}}}, "", "exercises[0].sets[0].weight_kg"},
		{[]Exercise{{ID: "a", Sets: []Set{{Reps: 5, RPE: f(11)}}}}, "", "exercises[0].sets[0].rpe"},
		{[]Exercise{{ID: "a", Sets: []Set{{DurationS: -1}}}}, "", "exercises[0].sets[0].duration_s"},
	} {
		_, err := Bests(c.ex, c.formula)
		var fe *fielderr.Error
		require.True(t, errors.As(err, &fe), "%+v", c)
		assert.Equal(t, c.field, fe.Field)
	}
}

func TestNewRecords(t *testing.T) {
	prev := map[string]Best{
		"squat": {Exercise: "squat", OneRM: 120, MaxWeightKg: 110, Formula: Epley},
		"bench": {Exercise: "bench", OneRM: 90, MaxWeightKg: 80, Formula: Epley},
	}
	session := []Best{
		{Exercise: "squat", OneRM: 121, MaxWeightKg: 110, Formula: Epley}, // e1RM only; equal weight is no record
		{Exercise: "bench", OneRM: 90, MaxWeightKg: 82.5, Formula: Epley}, // weight only
		{Exercise: "deadlift", OneRM: 200, MaxWeightKg: 180, Formula: Epley},
	}
	assert.Equal(t, []Record{
		{Exercise: "squat", Kind: RecordOneRM, Value: 121, Previous: 120},
		{Exercise: "bench", Kind: RecordMaxWeight, Value: 82.5, Previous: 80},
	}, NewRecords(prev, session))
	assert.Empty(t, NewRecords(prev, []Best{{Exercise: "squat", OneRM: 119, MaxWeightKg: 100, Formula: Epley}}))
	// Another formula is not comparable.
	assert.Empty(t, NewRecords(prev, []Best{{Exercise: "squat", OneRM: 125, MaxWeightKg: 100, Formula: Brzycki}}))
}
