package performance

import (
	"errors"
	"math"
	"testing"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func hms(h, m, s float64) float64 { return h*3600 + m*60 + s }

func field(t *testing.T, err error) string {
	t.Helper()
	var fe *fielderr.Error
	require.True(t, errors.As(err, &fe), "%v", err)
	return fe.Field
}

// The published value: 5 km in 20:00 → VDOT 49.81.
func TestVDOTPublished(t *testing.T) {
	v, err := VDOT(FiveK, hms(0, 20, 0))
	require.NoError(t, err)
	assert.InDelta(t, 49.81, v, 0.005)
}

// The published values (Daniels' tables): VDOT 50 ↔ 5 km 19:57,
// 10 km 41:21, half 1:31:35, marathon 3:10:49, within 0.1 VDOT both ways.
func TestVDOTEquivalentsPublished(t *testing.T) {
	for _, c := range []struct {
		d, t float64
	}{
		{FiveK, hms(0, 19, 57)},
		{TenK, hms(0, 41, 21)},
		{HalfMarathon, hms(1, 31, 35)},
		{Marathon, hms(3, 10, 49)},
	} {
		v, err := VDOT(c.d, c.t)
		require.NoError(t, err)
		assert.InDelta(t, 50, v, 0.1, "VDOT of the table's %g m", c.d)

		got, err := RaceTime(50, c.d)
		require.NoError(t, err)
		// The solved time is VDOT 50 exactly, and the table's time is
		// within 0.1 VDOT of it.
		assert.InDelta(t, 50, vdot(c.d, got), 1e-4)
		lo, _ := RaceTime(50.1, c.d)
		hi, _ := RaceTime(49.9, c.d)
		assert.True(t, lo <= c.t && c.t <= hi, "%g m: table %v s outside [%v, %v]", c.d, c.t, lo, hi)
	}
	// Round trip.
	got, err := RaceTime(49.806233, FiveK)
	require.NoError(t, err)
	assert.InDelta(t, 1200, got, 0.01)
}

// The published values: Riegel from 5 km in 20:00 → 10 km 41:42,
// marathon 3:11:50. The marathon is 11,509.3 s: the published 3:11:50 is
// the race clock's rounding up (RaceSeconds), not to the nearest second.
func TestRiegelPublished(t *testing.T) {
	ten, err := Riegel(FiveK, hms(0, 20, 0), TenK)
	require.NoError(t, err)
	assert.Equal(t, int(hms(0, 41, 42)), RaceSeconds(ten))
	mar, err := Riegel(FiveK, hms(0, 20, 0), Marathon)
	require.NoError(t, err)
	assert.InDelta(t, 11509.32, mar, 0.005)
	assert.Equal(t, int(hms(3, 11, 50)), RaceSeconds(mar))
	assert.Equal(t, 2501, RaceSeconds(2501.0000001))
}

func TestRaceInvalid(t *testing.T) {
	_, err := VDOT(100, 12)
	assert.Equal(t, "distance_m", field(t, err))
	_, err = VDOT(FiveK, 0)
	assert.Equal(t, "time_s", field(t, err))
	_, err = VDOT(FiveK, 300) // 16.7 m/s
	assert.Equal(t, "time_s", field(t, err))
	_, err = VDOT(FiveK, math.NaN())
	assert.Equal(t, "time_s", field(t, err))
	_, err = RaceTime(5, FiveK)
	assert.Equal(t, "vdot", field(t, err))
	_, err = RaceTime(50, 1e6)
	assert.Equal(t, "distance_m", field(t, err))
	_, err = Riegel(FiveK, 1200, -1)
	assert.Equal(t, "distance_m", field(t, err))
}

// Daniels' training paces at VDOT 50, against his table's VDOT 50 row as
// commonly reprinted (T 4:15/km, I 3:55/km = 94 s per 400 m, R 88 s per
// 400 m = 3:40/km; not among the published values), within 2 s/km;
// M is the equivalent marathon's pace.
func TestTrainingPaces(t *testing.T) {
	p, err := TrainingPaces(50)
	require.NoError(t, err)
	assert.InDelta(t, hms(0, 4, 15), p.Threshold, 2)
	assert.InDelta(t, hms(0, 3, 55), p.Interval, 2)
	assert.InDelta(t, hms(0, 3, 40), p.Repetition, 2)
	m, _ := RaceTime(50, Marathon)
	assert.InDelta(t, m/42.195, p.Marathon, 1e-9)
	assert.InDelta(t, hms(0, 4, 31), p.Marathon, 1)
	// E from 59 % (slow) to 74 % (fast) of VO2max: by hand 5:52 and 4:54.
	assert.InDelta(t, hms(0, 5, 52), p.EasySlow, 1)
	assert.InDelta(t, hms(0, 4, 54), p.EasyFast, 1)
	assert.True(t, p.EasySlow > p.EasyFast && p.EasyFast > p.Marathon && p.Marathon > p.Threshold &&
		p.Threshold > p.Interval && p.Interval > p.Repetition)

	_, err = TrainingPaces(10)
	assert.Equal(t, "vdot", field(t, err))
}

func TestPaceZones(t *testing.T) {
	zones, err := PaceZones(50)
	require.NoError(t, err)
	require.Len(t, zones, 5)
	p, _ := TrainingPaces(50)
	assert.Equal(t, "E", zones[0].Name)
	assert.InDelta(t, p.EasySlow, zones[0].Slow, 1e-9)
	assert.InDelta(t, p.EasyFast, zones[0].Fast, 1e-9)
	for i, z := range zones {
		assert.Greater(t, z.Slow, z.Fast, z.Name)
		if i == 2 || i == 3 { // T and I hold the point paces
			pace := p.Threshold
			if i == 3 {
				pace = p.Interval
			}
			assert.True(t, z.Fast <= pace && pace <= z.Slow, z.Name)
		}
	}
	// R zone brackets the R pace.
	assert.True(t, zones[4].Fast <= p.Repetition && p.Repetition <= zones[4].Slow+1)
	_, err = PaceZones(0)
	assert.Equal(t, "vdot", field(t, err))
}

func TestHRZones(t *testing.T) {
	// Friel, threshold 170: 144.5, 153, 161.5, 170, 175.1, 180.2.
	zones, model, err := HRZones(50, 190, 170)
	require.NoError(t, err)
	assert.Equal(t, ZonesFriel, model)
	require.Len(t, zones, 7)
	want := []float64{50, 144.5, 153, 161.5, 170, 175.1, 180.2, 190}
	for i, z := range zones {
		assert.InDelta(t, want[i], z.Low, 1e-9, z.Name)
		assert.InDelta(t, want[i+1], z.High, 1e-9, z.Name)
	}
	assert.Equal(t, "Z5c", zones[6].Name)

	// Karvonen, rest 50, max 190: 120, 134, 148, 162, 176, 190.
	zones, model, err = HRZones(50, 190, 0)
	require.NoError(t, err)
	assert.Equal(t, ZonesKarvonen, model)
	require.Len(t, zones, 5)
	want = []float64{120, 134, 148, 162, 176, 190}
	for i, z := range zones {
		assert.InDelta(t, want[i], z.Low, 1e-9)
		assert.InDelta(t, want[i+1], z.High, 1e-9)
		assert.Equal(t, "Z"+string(rune('1'+i)), z.Name)
	}

	_, _, err = HRZones(0, 0, 0)
	assert.Equal(t, "max_hr", field(t, err))
	_, _, err = HRZones(190, 180, 0)
	assert.Equal(t, "resting_hr", field(t, err))
	_, _, err = HRZones(50, 175, 170) // max below Z5c
	assert.Equal(t, "threshold_hr", field(t, err))
	_, _, err = HRZones(-1, 180, 0)
	assert.Equal(t, "resting_hr", field(t, err))
}
