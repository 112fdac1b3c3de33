package load

import (
	"errors"
	"math"
	"testing"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func f(v float64) *float64 { return &v }

func exp(x float64) float64 { return math.Exp(x) }

// The published value: HRmax 200, rest 40, average 130, 30 min,
// male → 31.8 (±1 %). x = 90/160 = 0.5625; 30 · 0.5625 · 0.64·e^1.08 =
// 31.80.
func TestTRIMPPublished(t *testing.T) {
	r, err := Compute(Athlete{Sex: Male, RestingHR: 40, MaxHR: 200}, Session{MovingS: 30 * 60, AvgHR: 130})
	require.NoError(t, err)
	assert.Equal(t, ModelTRIMP, r.Model)
	assert.InEpsilon(t, 31.8, r.Load, 0.01)
	assert.InDelta(t, 31.80, r.Load, 0.005)
	assert.Empty(t, r.Assumed)
}

// The published values: rest 50, max 190, threshold 170, 60 min at
// 150, male → TRIMP 108.1, HRSS 63.3.
func TestHRSSPublished(t *testing.T) {
	r, err := Compute(Athlete{Sex: Male, RestingHR: 50, MaxHR: 190, ThresholdHR: 170}, Session{MovingS: 3600, AvgHR: 150})
	require.NoError(t, err)
	assert.Equal(t, ModelHRSS, r.Model)
	assert.InDelta(t, 108.1, r.TRIMP, 0.05)
	assert.InDelta(t, 63.3, r.Load, 0.05)
	// An hour at threshold is 100 by definition.
	r, err = Compute(Athlete{Sex: Male, RestingHR: 50, MaxHR: 190, ThresholdHR: 170}, Session{MovingS: 3600, AvgHR: 170})
	require.NoError(t, err)
	assert.InDelta(t, 100, r.Load, 1e-9)
}

// Women get the published factor 0.86·e^(1.67x): 30 · 0.5625 · 0.86 ·
// e^0.939375 = 37.13, more than the male 31.80 at the same heart rate.
func TestTRIMPFemale(t *testing.T) {
	r, err := Compute(Athlete{Sex: Female, RestingHR: 40, MaxHR: 200}, Session{MovingS: 30 * 60, AvgHR: 130})
	require.NoError(t, err)
	assert.InDelta(t, 37.13, r.Load, 0.005)
	// Unknown sex: the male factor.
	r, err = Compute(Athlete{RestingHR: 40, MaxHR: 200}, Session{MovingS: 30 * 60, AvgHR: 130})
	require.NoError(t, err)
	assert.InDelta(t, 31.80, r.Load, 0.005)
}

// A constant series gives the average's TRIMP; a pause longer than
// MaxHRGapS adds nothing; a series wins over the average.
func TestTRIMPSeries(t *testing.T) {
	var hr []HRSample
	for s := 0; s <= 1800; s++ {
		hr = append(hr, HRSample{T: float64(s), BPM: 130})
	}
	a := Athlete{Sex: Male, RestingHR: 40, MaxHR: 200}
	r, err := Compute(a, Session{MovingS: 1800, AvgHR: 170, HR: hr})
	require.NoError(t, err)
	assert.InDelta(t, 31.80, r.Load, 0.005)

	paused := append([]HRSample{}, hr...)
	for i := range paused {
		if i > 900 {
			paused[i].T += 600 // a 10-minute pause after 15 minutes
		}
	}
	r, err = Compute(a, Session{MovingS: 1800, HR: paused})
	require.NoError(t, err)
	assert.InDelta(t, 31.80*1799/1800, r.Load, 0.005)

	// Half at 100, half at 160: more than the average 130 would give
	// (the weighting is convex).
	var mixed []HRSample
	for s := 0; s <= 1800; s++ {
		bpm := 100.0
		if s >= 900 {
			bpm = 160
		}
		mixed = append(mixed, HRSample{T: float64(s), BPM: bpm})
	}
	r, err = Compute(a, Session{HR: mixed})
	require.NoError(t, err)
	x1, x2 := 60.0/160, 120.0/160
	want := 15*x1*0.64*exp(1.92*x1) + 15*x2*0.64*exp(1.92*x2)
	assert.InDelta(t, want, r.Load, 0.01)
	assert.Greater(t, r.Load, 31.80)
}

// Missing resting and maximum heart rates: 60 and Tanaka's 208 − 0.7·age
// (age 30 → 187), named in Assumed; no age either → 180.
func TestDefaults(t *testing.T) {
	r, err := Compute(Athlete{Sex: Male, AgeYears: 30}, Session{MovingS: 3600, AvgHR: 140})
	require.NoError(t, err)
	x := 80.0 / 127
	assert.InDelta(t, 60*x*0.64*exp(1.92*x), r.Load, 1e-9)
	assert.Equal(t, []string{"max_hr", "resting_hr"}, r.Assumed)
	assert.Equal(t, 187.0, TanakaMaxHR(30))

	r, err = Compute(Athlete{RestingHR: 50}, Session{MovingS: 3600, AvgHR: 140})
	require.NoError(t, err)
	x = 90.0 / 130
	assert.InDelta(t, 60*x*0.64*exp(1.92*x), r.Load, 1e-9)
	assert.Equal(t, []string{"max_hr"}, r.Assumed)

	// A threshold above the age-predicted maximum raises the maximum.
	r, err = Compute(Athlete{RestingHR: 50, AgeYears: 60, ThresholdHR: 170}, Session{MovingS: 3600, AvgHR: 170})
	require.NoError(t, err)
	assert.Equal(t, ModelHRSS, r.Model)
	assert.InDelta(t, 100, r.Load, 1e-9)
}

// Without heart rate, Foster's session-RPE: CR-10 × minutes, for strength
// as for anything; 0 is a real rating; nothing known is ModelNone.
func TestSessionRPE(t *testing.T) {
	r, err := Compute(Athlete{}, Session{MovingS: 45 * 60, Effort: f(7)})
	require.NoError(t, err)
	assert.Equal(t, Result{Load: 315, Model: ModelSRPE}, r)

	r, err = Compute(Athlete{}, Session{MovingS: 45 * 60, Effort: f(0)})
	require.NoError(t, err)
	assert.Equal(t, Result{Load: 0, Model: ModelSRPE}, r)

	r, err = Compute(Athlete{}, Session{MovingS: 45 * 60})
	require.NoError(t, err)
	assert.Equal(t, Result{Model: ModelNone}, r)

	// A series of zeros (no strap) is no heart rate: effort decides.
	r, err = Compute(Athlete{}, Session{MovingS: 600, Effort: f(5), HR: []HRSample{{0, 0}, {1, 0}, {2, 0}}})
	require.NoError(t, err)
	assert.Equal(t, Result{Load: 50, Model: ModelSRPE}, r)

	// Heart rate wins over effort.
	r, err = Compute(Athlete{RestingHR: 40, MaxHR: 200}, Session{MovingS: 1800, AvgHR: 130, Effort: f(9)})
	require.NoError(t, err)
	assert.Equal(t, ModelTRIMP, r.Model)
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		a     Athlete
		s     Session
		field string
	}{
		{Athlete{}, Session{MovingS: -1}, "moving_time_s"},
		{Athlete{}, Session{Effort: f(11)}, "perceived_effort"},
		{Athlete{}, Session{Effort: f(-0.5)}, "perceived_effort"},
		{Athlete{RestingHR: 180, MaxHR: 170}, Session{MovingS: 60, AvgHR: 150}, "resting_hr"},
		{Athlete{RestingHR: 50, MaxHR: 180, ThresholdHR: 185}, Session{MovingS: 60, AvgHR: 150}, "threshold_hr"},
		{Athlete{}, Session{HR: []HRSample{{T: 5, BPM: 100}, {T: 4, BPM: 100}}}, "hr"},
		{Athlete{}, Session{AvgHR: 300}, "avg_hr"},
		{Athlete{AgeYears: -3}, Session{}, "age"},
		{Athlete{RestingHR: math.NaN()}, Session{}, "resting_hr"},
		{Athlete{MaxHR: math.Inf(1)}, Session{}, "max_hr"},
	}
	for _, tt := range tests {
		_, err := Compute(tt.a, tt.s)
		var fe *fielderr.Error
		require.True(t, errors.As(err, &fe), "%+v", tt)
		assert.Equal(t, tt.field, fe.Field)
	}
}
