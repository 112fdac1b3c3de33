package telemetry

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var start = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

func at(sec int, lat, lon float64) Point {
	return Point{T: start.Add(time.Duration(sec) * time.Second), Lat: lat, Lon: lon}
}

func TestCompactFormat(t *testing.T) {
	var b Batch
	require.NoError(t, json.Unmarshal([]byte(`{"points": [{"t": "2026-11-26T08:00:00Z", "lat": 52.5, "lon": 13.4,
		"ele": 34.2, "acc": 4.5, "speed": 3.1, "hr": 141, "cad": 172, "pwr": 250, "temp": 8.5}]}`), &b))
	require.Len(t, b.Points, 1)
	p := b.Points[0]
	assert.Equal(t, start, p.T)
	assert.Equal(t, 141, *p.HR)
	assert.Equal(t, 8.5, *p.Temp)
	out, err := json.Marshal(Point{T: start, Lat: 1, Lon: 2})
	require.NoError(t, err)
	assert.JSONEq(t, `{"t": "2026-11-26T08:00:00Z", "lat": 1, "lon": 2}`, string(out), "absent values are not sent")
}

func TestFilterDropsImpossiblePointsAndKeepsTheRest(t *testing.T) {
	s := Session{Sport: "run", StartedAt: start, Until: start.Add(time.Hour)}
	hr := at(10, 52.5001, 13.4)
	hr.HR = i(300)
	fast := at(3, 52.5, 13.4)
	fast.Speed = f(40)
	points := []Point{
		at(20, 52.5002, 13.4), // out of order: sorted
		at(0, 52.5, 13.4),
		at(5, 95, 13.4),         // latitude
		at(6, 52.5, 200),        // longitude
		at(7, 0, 0),             // null island
		at(-3600, 52.5, 13.4),   // long before the start
		at(7200, 52.5, 13.4),    // long after
		at(20, 52.50025, 13.4),  // same time as another
		at(30, 53.5, 13.4),      // 111 km in 10 s
		at(8, math.NaN(), 13.4), // a longitude without a latitude
		hr, fast,
		at(40, 52.5004, 13.4),
	}
	res := Filter(points, s, nil)
	var secs []int
	for _, p := range res.Accepted {
		secs = append(secs, int(p.T.Sub(start).Seconds()))
	}
	assert.Equal(t, []int{0, 20, 40}, secs)
	assert.Equal(t, map[string]int{
		DropCoordinates: 2, DropPartialPosition: 1, DropNullIsland: 1, DropTime: 2, DropDuplicate: 1, DropSpeed: 2, DropSensor: 1,
	}, res.Dropped)
	dropped := 0
	for _, n := range res.Dropped {
		dropped += n
	}
	assert.Equal(t, len(points)-3, dropped)
}

func TestFilterChecksTheJumpFromTheLastStoredPoint(t *testing.T) {
	s := Session{Sport: "walk", StartedAt: start, Until: start.Add(time.Hour)}
	prev := at(0, 52.5, 13.4)
	res := Filter([]Point{at(10, 52.51, 13.4), at(0, 52.5, 13.4), at(20, 52.50005, 13.4)}, s, &prev)
	assert.Len(t, res.Accepted, 1, "a 1.1 km jump in 10 s and a duplicate of the stored point go")
	assert.Equal(t, map[string]int{DropSpeed: 1, DropDuplicate: 1}, res.Dropped)
}

func TestGPSJitterIsNotSpeed(t *testing.T) {
	s := Session{Sport: "walk", StartedAt: start, Until: start.Add(time.Hour)}
	// 15 m apart one second apart: 15 m/s for a walker, but within the
	// points' accuracy.
	a, b := at(0, 52.5, 13.4), at(1, 52.500135, 13.4)
	res := Filter([]Point{a, b}, s, nil)
	assert.Len(t, res.Accepted, 2)
	assert.Nil(t, res.Dropped)
}

func TestDistance(t *testing.T) {
	// One degree of latitude on the mean sphere.
	assert.InDelta(t, 111195, Distance(0, 0, 1, 0), 1)
	// Berlin Brandenburg Gate to Paris Eiffel Tower: about 878 km.
	assert.InDelta(t, 878_000, Distance(52.5163, 13.3777, 48.8584, 2.2945), 3_000)
	assert.Zero(t, Distance(10, 10, 10, 10))
}

func TestMaxSpeedBySport(t *testing.T) {
	assert.Less(t, MaxSpeed("walk"), MaxSpeed("run"))
	assert.Less(t, MaxSpeed("run"), MaxSpeed("ride"))
	assert.Equal(t, 100.0, MaxSpeed("other"))
}

// indoor is a point without a position, with a heart rate.
func indoor(sec int) Point {
	p := NoPosition(at(sec, 0, 0))
	p.HR = i(120)
	return p
}

func TestPointsWithoutAPositionAreKeptAndChecked(t *testing.T) {
	s := Session{Sport: "run", StartedAt: start, Until: start.Add(time.Hour)}
	hr := indoor(1)
	hr.HR = i(140)
	badHR := indoor(2)
	badHR.HR = i(19)
	dist := indoor(3)
	dist.Dist = f(12)
	negDist := indoor(4)
	negDist.Dist = f(-1)
	hugeDist := indoor(5)
	hugeDist.Dist = f(2e6)
	fastBelt := indoor(6)
	fastBelt.Speed = f(13) // faster than any runner
	early := indoor(-3600)
	latOnly := indoor(7)
	latOnly.Lat = 52.5
	lap := indoor(8)
	lap.Lap = true
	lap.HR = nil // a lap marker alone is kept
	jump := indoor(9)
	jump.Dist = f(500) // 488 m in 6 s
	empty := NoPosition(at(9, 0, 0))
	res := Filter([]Point{hr, badHR, dist, negDist, hugeDist, fastBelt, early, latOnly, lap, jump, empty, at(10, 52.5, 13.4), at(11, 52.50001, 13.4)}, s, nil)
	var secs []int
	for _, p := range res.Accepted {
		secs = append(secs, int(p.T.Sub(start).Seconds()))
		assert.Equal(t, p.T.Second() < 10, !p.HasPosition())
	}
	assert.Equal(t, []int{1, 3, 8, 10, 11}, secs, "indoor points are kept, and the positioned points after them")
	assert.Equal(t, map[string]int{DropSensor: 3, DropSpeed: 2, DropTime: 1, DropPartialPosition: 1, DropNoPosition: 1}, res.Dropped)
}

func TestAJumpIsCheckedFromTheLastPosition(t *testing.T) {
	s := Session{Sport: "run", StartedAt: start, Until: start.Add(time.Hour)}
	// Out of a tunnel: 1 km from the last position in 200 s is a run; the
	// indoor point between them does not hide a jump either.
	res := Filter([]Point{at(0, 52.5, 13.4), indoor(100), at(200, 52.509, 13.4), indoor(201), at(202, 52.6, 13.4)}, s, nil)
	assert.Len(t, res.Accepted, 4)
	assert.Equal(t, map[string]int{DropSpeed: 1}, res.Dropped)
	prev := indoor(300)
	res = Filter([]Point{at(301, 52.5, 13.4)}, s, &prev)
	assert.Len(t, res.Accepted, 1, "a stored point without a position is no reference for a jump")
}
