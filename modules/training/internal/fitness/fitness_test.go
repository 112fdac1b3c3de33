package fitness

import (
	"errors"
	"testing"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var day0 = Date{2026, time.January, 1}

func series(t *testing.T, loads []float64, p Params) []Day {
	t.Helper()
	days, err := Series(day0, loads, p)
	require.NoError(t, err)
	require.Len(t, days, len(loads))
	return days
}

// The published values: daily loads [150, 50, 40, 0, 0, 60, 30,
// 100] from 0; "day 7" is the eighth day (day 0 is the first), its own load
// included.
func TestCTLATLPublished(t *testing.T) {
	loads := []float64{150, 50, 40, 0, 0, 60, 30, 100}
	tests := []struct {
		model    Model
		ctl, atl float64
	}{
		{Exponential, 9.23, 35.55},
		{EMA, 16.73, 48.67},
		// Not published in the issue; by hand, λ = 1/42 and 1/7.
		{Reciprocal, 9.33, 37.02},
	}
	for _, tt := range tests {
		d := series(t, loads, Params{Model: tt.model})[7]
		assert.InDelta(t, tt.ctl, d.CTL, 0.005, tt.model)
		assert.InDelta(t, tt.atl, d.ATL, 0.005, tt.model)
	}
	// The zero model is the default, 1 − e^(−1/N).
	d := series(t, loads, Params{})[7]
	assert.InDelta(t, 9.23, d.CTL, 0.005)
	assert.Equal(t, Exponential, DefaultModel)
}

// 100 a day for 42 days with 1 − e^(−1/N): CTL 63.21 (= 100·(1 − e^−1)),
// ATL 99.75 (= 100·(1 − e^−6)).
func TestSteadyLoadPublished(t *testing.T) {
	loads := make([]float64, 42)
	for i := range loads {
		loads[i] = 100
	}
	d := series(t, loads, Params{})[41]
	assert.InDelta(t, 63.21, d.CTL, 0.005)
	assert.InDelta(t, 99.75, d.ATL, 0.005)
	assert.Equal(t, day0.AddDays(41), d.Date)
}

// TSB is yesterday's CTL − ATL; the ramp rate is CTL − CTL a week before.
func TestFormAndRamp(t *testing.T) {
	loads := []float64{150, 50, 40, 0, 0, 60, 30, 100, 0}
	days := series(t, loads, Params{CTL0: 20, ATL0: 30})
	assert.InDelta(t, -10, days[0].TSB, 1e-9)
	for i := 1; i < len(days); i++ {
		assert.InDelta(t, days[i-1].CTL-days[i-1].ATL, days[i].TSB, 1e-9)
	}
	assert.InDelta(t, days[3].CTL-20, days[3].RampRate, 1e-9)
	assert.InDelta(t, days[8].CTL-days[1].CTL, days[8].RampRate, 1e-9)
	assert.InDelta(t, days[7].CTL-days[0].CTL, days[7].RampRate, 1e-9)
}

// The published values: Foster's monotony of [5,15,20,20,20,25,35]
// (mean 20, population SD √(500/7) = 8.452) → 2.366, strain 140 × 2.366 =
// 331.3.
func TestMonotonyPublished(t *testing.T) {
	week := []float64{5, 15, 20, 20, 20, 25, 35}
	mono, strain, ok := Monotony(week)
	require.True(t, ok)
	assert.InDelta(t, 2.366, mono, 0.0005)
	assert.InDelta(t, 331.3, strain, 0.05)

	d := series(t, week, Params{})[6]
	require.NotNil(t, d.Monotony)
	assert.InDelta(t, 2.366, *d.Monotony, 0.0005)
	assert.InDelta(t, 331.3, *d.Strain, 0.05)
	assert.Equal(t, 140.0, d.WeekLoad)

	// Identical loads, or none: undefined.
	_, _, ok = Monotony([]float64{50, 50, 50, 50, 50, 50, 50})
	assert.False(t, ok)
	_, _, ok = Monotony(make([]float64, 7))
	assert.False(t, ok)
	d = series(t, make([]float64, 7), Params{})[6]
	assert.Nil(t, d.Monotony)
	assert.Nil(t, d.Strain)

	// Days before the first count 0: [0,0,0,0,0,10,10] → mean 20/7.
	d = series(t, []float64{10, 10}, Params{})[1]
	m, s, _ := Monotony([]float64{0, 0, 0, 0, 0, 10, 10})
	assert.InDelta(t, m, *d.Monotony, 1e-12)
	assert.InDelta(t, s, *d.Strain, 1e-12)
	// A window that slides: day 8 is over days 2–8.
	loads := []float64{100, 100, 5, 15, 20, 20, 20, 25, 35}
	d = series(t, loads, Params{})[8]
	assert.InDelta(t, 2.366, *d.Monotony, 0.0005)
}

// The published value: EWMA ACWR, λ = 2/(N+1), N = 7 and 28, 28
// days at 100 then 7 at 200, seeded with the first load → 1.339.
func TestACWRPublished(t *testing.T) {
	var loads []float64
	for range 28 {
		loads = append(loads, 100)
	}
	for range 7 {
		loads = append(loads, 200)
	}
	days := series(t, loads, Params{})
	d := days[34]
	require.NotNil(t, d.ACWR)
	assert.InDelta(t, 1.339, *d.ACWR, 0.0005)
	assert.InDelta(t, 1, *days[27].ACWR, 1e-12)
	// The model of CTL/ATL does not change the ACWR.
	d2 := series(t, loads, Params{Model: Reciprocal})[34]
	assert.Equal(t, *d.ACWR, *d2.ACWR)
	// No load yet: no ratio.
	assert.Nil(t, series(t, []float64{0, 0}, Params{})[1].ACWR)
}

func TestSeriesInvalid(t *testing.T) {
	for _, c := range []struct {
		loads []float64
		p     Params
		field string
	}{
		{[]float64{1}, Params{Model: "banister"}, "model"},
		{[]float64{1, -2}, Params{}, "loads"},
		{[]float64{1}, Params{CTL0: -1}, "ctl0"},
	} {
		_, err := Series(day0, c.loads, c.p)
		var fe *fielderr.Error
		require.True(t, errors.As(err, &fe))
		assert.Equal(t, c.field, fe.Field)
	}
	days, err := Series(day0, nil, Params{})
	require.NoError(t, err)
	assert.Empty(t, days)
}

// Sessions go to the calendar day they start on in the athlete's zone;
// days across a daylight-saving change are calendar days.
func TestBucket(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	first, last := Date{2026, time.March, 28}, Date{2026, time.March, 31}
	loads := []TimedLoad{
		// 28 March 23:30 Paris (UTC+1) = 22:30 UTC.
		{At: time.Date(2026, 3, 28, 22, 30, 0, 0, time.UTC), Load: 10},
		// 29 March 00:30 Paris: 23:30 UTC the day before.
		{At: time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), Load: 20},
		// 29 March 23:30 Paris (now UTC+2, a 23-hour day) = 21:30 UTC.
		{At: time.Date(2026, 3, 29, 21, 30, 0, 0, time.UTC), Load: 5},
		// 30 March 00:10 Paris = 29 March 22:10 UTC.
		{At: time.Date(2026, 3, 29, 22, 10, 0, 0, time.UTC), Load: 7},
		// Outside the range, on both sides.
		{At: time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), Load: 99},
		{At: time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC), Load: 99},
	}
	assert.Equal(t, []float64{10, 25, 7, 0}, Bucket(loads, paris, first, last))
	assert.Equal(t, []float64{30, 12, 0, 0}, Bucket(loads, time.UTC, first, last))
	assert.Nil(t, Bucket(loads, paris, last, first))

	// The 25-hour day when clocks go back (Paris, 25 October 2026): 00:30
	// and 23:30 local are the same day, both 02:30s too.
	oct := []TimedLoad{
		{At: time.Date(2026, 10, 24, 22, 30, 0, 0, time.UTC), Load: 1},  // 00:30 CEST
		{At: time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), Load: 2},   // 02:30 CEST
		{At: time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), Load: 4},   // 02:30 CET
		{At: time.Date(2026, 10, 25, 22, 30, 0, 0, time.UTC), Load: 8},  // 23:30 CET
		{At: time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC), Load: 16}, // 00:30 on the 26th
	}
	assert.Equal(t, []float64{15, 16}, Bucket(oct, paris, Date{2026, 10, 25}, Date{2026, 10, 26}))
}

func TestDate(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	d, err := ParseDate("2026-03-29")
	require.NoError(t, err)
	assert.Equal(t, Date{2026, time.March, 29}, d)
	assert.Equal(t, "2026-03-30", d.AddDays(1).String())
	assert.Equal(t, 365, Date{2027, 1, 1}.DaysSince(Date{2026, 1, 1}))
	assert.Equal(t, 1, Date{2026, 3, 30}.DaysSince(d))
	assert.True(t, d.Before(d.AddDays(1)))
	assert.Equal(t, time.Sunday, d.Weekday())
	assert.Equal(t, time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), d.Start(paris).UTC())
	assert.Equal(t, time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC), d.AddDays(1).Start(paris).UTC())
	// Midnight skipped (Santiago, 2026-09-06 00:00 → 01:00): the day
	// starts at 01:00.
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	s := Date{2026, time.September, 6}.Start(santiago)
	assert.Equal(t, Date{2026, time.September, 6}, DateOf(s, santiago))
	assert.Equal(t, 1, s.In(santiago).Hour())
	_, err = ParseDate("2026-02-30")
	assert.Error(t, err)
	b, _ := d.MarshalText()
	assert.Equal(t, "2026-03-29", string(b))
	var back Date
	require.NoError(t, back.UnmarshalText(b))
	assert.Equal(t, d, back)
	assert.Error(t, back.UnmarshalText([]byte("29/03/2026")))
}
