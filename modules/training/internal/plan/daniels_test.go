package plan

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Daniels–Gilbert against the published values of issue 12 and Daniels'
// tables (within 0.1 VDOT point).
func TestDanielsGilbert(t *testing.T) {
	assert.InDelta(t, 49.81, VDOT(5000, 20*time.Minute), 0.01)
	for metres, want := range map[float64]time.Duration{
		5000:    19*time.Minute + 57*time.Second,
		10000:   41*time.Minute + 21*time.Second,
		21097.5: time.Hour + 31*time.Minute + 35*time.Second,
		42195:   3*time.Hour + 10*time.Minute + 49*time.Second,
	} {
		assert.InDelta(t, 50, VDOT(metres, want), 0.1, "%.0f m", metres)
		assert.InDelta(t, want.Seconds(), RaceTime(metres, 50).Seconds(), want.Seconds()*0.002, "%.0f m", metres)
	}
}

// Daniels' table for VDOT 50 gives threshold pace 4:15/km, interval pace
// 3:55/km and marathon pace 4:31/km: each lies in its range here.
func TestTrainingPaces(t *testing.T) {
	for i, want := range map[Intensity]time.Duration{
		IntensityT: 4*time.Minute + 15*time.Second,
		IntensityI: 3*time.Minute + 55*time.Second,
		IntensityM: 4*time.Minute + 31*time.Second,
	} {
		p := paceFor(50, i, false)
		assert.True(t, p.Fast <= want+2*time.Second && want-2*time.Second <= p.Slow, "%s: %v not in %v–%v", i, want, p.Fast, p.Slow)
	}
	e := paceFor(50, IntensityE, false)
	assert.Greater(t, e.Fast, paceFor(50, IntensityM, false).Fast, "easy is slower than marathon pace")
	r := paceFor(50, IntensityE, true)
	assert.Equal(t, e.Slow, r.Slow)
	assert.Greater(t, r.Fast, e.Fast, "recovery is the slow end of easy")
}

func TestHeartRates(t *testing.T) {
	b := &builder{a: Athlete{MaxHR: 190}}
	assert.Equal(t, &HRRange{Low: 167, High: 175}, b.hr(IntensityT, false)) // Daniels: T 88–92 % HRmax
	b.a.RestingHR = 50
	// Karvonen: 50 + 0.83…0.88 × 140.
	assert.Equal(t, &HRRange{Low: 166, High: 173}, b.hr(IntensityT, false))
	b.req.Health.RestingHR = 60 // the request's resting heart rate wins
	assert.Equal(t, &HRRange{Low: 168, High: 174}, b.hr(IntensityT, false))
	assert.Nil(t, (&builder{}).hr(IntensityE, false))
}
