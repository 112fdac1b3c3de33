package plausible

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func f64(v float64) *float64 { return &v }
func i(v int) *int           { return &v }

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     Figures
		reason string
	}{
		{"an easy run", Figures{Sport: "run", DistanceM: 10_000, ElapsedS: 3600, MovingS: 3500, MaxSpeedMps: 4, AvgHRBpm: f64(140), MaxHRBpm: i(170)}, ""},
		{"Kiptum's marathon world record", Figures{Sport: "run", DistanceM: 42_195, ElapsedS: 7235, MovingS: 7235}, ""},
		{"Bolt's 100 m", Figures{Sport: "run", DistanceM: 100, ElapsedS: 9.58, MovingS: 9.58, MaxSpeedMps: 12.4}, ""},
		{"a strength session without distance", Figures{Sport: "strength", ElapsedS: 3600}, ""},
		{"a run at car speed", Figures{Sport: "run", DistanceM: 20_000, ElapsedS: 900, MovingS: 900}, ReasonSpeed},
		{"a walk at running speed", Figures{Sport: "walk", DistanceM: 10_000, ElapsedS: 1800, MovingS: 1800}, ReasonSpeed},
		{"a swim faster than Cielo", Figures{Sport: "swim", DistanceM: 1500, ElapsedS: 300}, ReasonSpeed},
		{"the Tour's pace is a ride", Figures{Sport: "ride", DistanceM: 180_000, ElapsedS: 4 * 3600, MovingS: 4 * 3600}, ""},
		{"a ride at 150 km/h average", Figures{Sport: "ride", DistanceM: 150_000, ElapsedS: 3600, MovingS: 3600}, ReasonSpeed},
		{"moving longer than elapsed", Figures{Sport: "run", DistanceM: 5000, ElapsedS: 1200, MovingS: 1500}, ReasonMovingExceedsElapsed},
		{"one second of rounding is fine", Figures{Sport: "run", DistanceM: 5000, ElapsedS: 1200, MovingS: 1201}, ""},
		{"distance without time", Figures{Sport: "run", DistanceM: 5000}, ReasonDistanceWithoutTime},
		{"speed from elapsed when moving is unknown", Figures{Sport: "run", DistanceM: 50_000, ElapsedS: 1800}, ReasonSpeed},
		{"a top speed beyond any runner", Figures{Sport: "run", DistanceM: 5000, ElapsedS: 1500, MovingS: 1500, MaxSpeedMps: 20}, ReasonMaxSpeed},
		{"a heart rate of 300", Figures{Sport: "run", ElapsedS: 1800, MaxHRBpm: i(300)}, ReasonHeartRate},
		{"an average of 20 bpm", Figures{Sport: "yoga", ElapsedS: 1800, AvgHRBpm: f64(20)}, ReasonHeartRate},
		{"an average above the maximum", Figures{Sport: "run", ElapsedS: 1800, AvgHRBpm: f64(180), MaxHRBpm: i(160)}, ReasonHeartRate},
		{"a NaN average", Figures{Sport: "run", ElapsedS: 1800, AvgHRBpm: f64(math.NaN())}, ReasonHeartRate},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := Check(c.in)
			assert.Equal(t, c.reason, v.Reason)
			assert.Equal(t, c.reason == "", v.Plausible)
		})
	}
}

// Every ceiling lets the world record of its sport through and is not
// absurdly above it.
func TestCeilingsAboveWorldRecords(t *testing.T) {
	records := map[string]float64{ // m/s
		"run":  100 / 9.58,
		"walk": 20_000 / (76*60 + 36.0),
		"ride": 56_792 / 3600.0,
		"swim": 50 / 20.91,
		"row":  2000 / (5*60 + 19.0),
		"ski":  30,
		"hike": 20_000 / (76*60 + 36.0),
	}
	for sport, v := range records {
		assert.Greater(t, AvgSpeedCeiling(sport), v, sport)
		assert.Less(t, AvgSpeedCeiling(sport), 2*v, sport)
		assert.GreaterOrEqual(t, MaxSpeedCeiling(sport), AvgSpeedCeiling(sport), sport)
	}
	assert.True(t, math.IsInf(AvgSpeedCeiling("strength"), 1))
	assert.Len(t, Reasons(), 5)
}
