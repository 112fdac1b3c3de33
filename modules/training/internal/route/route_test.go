package route

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twpayne/go-geom"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

var t0 = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

func pt(i int, lat, lon float64) telemetry.Point {
	return telemetry.Point{T: t0.Add(time.Duration(i) * time.Second), Lat: lat, Lon: lon}
}

// degPerMNorth is one metre north, in degrees of latitude, on the sphere
// the projection uses.
const degPerMNorth = 1 / 111195.08

// degPerMEast is one metre east at lat, in degrees of longitude.
func degPerMEast(lat float64) float64 { return degPerMNorth / math.Cos(lat*math.Pi/180) }

// randomWalk is a track of n points about 3 m apart whose heading wanders.
func randomWalk(n int, seed uint64) []telemetry.Point {
	r := rand.New(rand.NewPCG(seed, seed+1))
	lat, lon, heading := 45.0, 7.0, 0.0
	out := make([]telemetry.Point, n)
	for i := range out {
		out[i] = pt(i, lat, lon)
		heading += r.NormFloat64() * 0.3
		step := 2 + r.Float64()*2
		lat += step * math.Cos(heading) * degPerMNorth
		lon += step * math.Sin(heading) * degPerMEast(lat)
	}
	return out
}

func TestSimplifySmallInputs(t *testing.T) {
	assert.Empty(t, Simplify(nil, 5))
	assert.Equal(t, []int{0}, Simplify([]telemetry.Point{pt(0, 45, 7)}, 5))
	assert.Equal(t, []int{0, 1}, Simplify([]telemetry.Point{pt(0, 45, 7), pt(1, 45.1, 7)}, 5))
}

func TestSimplifyRemovesCollinearPointsKeepsEndpoints(t *testing.T) {
	var pts []telemetry.Point
	for i := range 100 { // due north-east, 10 m steps
		pts = append(pts, pt(i, 45+float64(i)*10*degPerMNorth, 7+float64(i)*10*degPerMEast(45)))
	}
	assert.Equal(t, []int{0, 99}, Simplify(pts, 0.5))
}

func TestSimplifyKeepsCorner(t *testing.T) {
	var pts []telemetry.Point
	for i := range 50 { // 500 m north
		pts = append(pts, pt(i, 45+float64(i)*10*degPerMNorth, 7))
	}
	top := pts[len(pts)-1].Lat
	for i := 1; i <= 50; i++ { // then 500 m east
		pts = append(pts, pt(49+i, top, 7+float64(i)*10*degPerMEast(top)))
	}
	assert.Equal(t, []int{0, 49, 99}, Simplify(pts, 1))
}

func TestSimplifyKeepsFarPointOfLoop(t *testing.T) {
	// An out-and-back: start and finish coincide, so the far point must be
	// judged against the degenerate segment, by its distance to the start.
	pts := []telemetry.Point{pt(0, 45, 7), pt(1, 45+500*degPerMNorth, 7), pt(2, 45, 7)}
	assert.Equal(t, []int{0, 1, 2}, Simplify(pts, 10))
}

func TestSimplifyAcrossAntimeridian(t *testing.T) {
	// Three points on a straight line crossing 180°: the middle one is on
	// the line, not half the world away.
	pts := []telemetry.Point{pt(0, 10, 179.999), pt(1, 10, -180), pt(2, 10, -179.999)}
	assert.Equal(t, []int{0, 2}, Simplify(pts, 1))
}

func TestSimplifyDroppedPointsWithinTolerance(t *testing.T) {
	pts := randomWalk(10000, 7)
	proj := project(pts)
	for _, tol := range []float64{1, 5, 20} {
		idx := Simplify(pts, tol)
		require.Equal(t, 0, idx[0])
		require.Equal(t, len(pts)-1, idx[len(idx)-1])
		require.Less(t, len(idx), len(pts), "tolerance %v should drop points", tol)
		for k := 1; k < len(idx); k++ {
			a, b := idx[k-1], idx[k]
			require.Less(t, a, b)
			for i := a + 1; i < b; i++ {
				d := math.Sqrt(segmentDist2(proj[i], proj[a], proj[b]))
				require.LessOrEqual(t, d, tol+1e-9, "point %d is %.3f m from segment %d-%d", i, d, a, b)
			}
		}
	}
}

func TestProjectionScale(t *testing.T) {
	// 1 km east and 1 km north at 45° come out as 1 km within 0.1 %.
	pts := []telemetry.Point{pt(0, 45, 7), pt(1, 45, 7+1000*degPerMEast(45)), pt(2, 45+1000*degPerMNorth, 7)}
	p := project(pts)
	assert.InDelta(t, 1000, math.Hypot(p[1].x-p[0].x, p[1].y-p[0].y), 1)
	assert.InDelta(t, 1000, math.Hypot(p[2].x-p[0].x, p[2].y-p[0].y), 1)
	assert.InDelta(t, telemetry.Distance(45, 7, 45, 7+1000*degPerMEast(45)), math.Hypot(p[1].x-p[0].x, p[1].y-p[0].y), 1)
}

func TestSimplifyTo(t *testing.T) {
	pts := randomWalk(10000, 11)
	for _, maxPoints := range []int{500, 100, 10, 2} {
		idx, tol := SimplifyTo(pts, maxPoints)
		assert.LessOrEqual(t, len(idx), maxPoints)
		assert.GreaterOrEqual(t, tol, StartToleranceM)
		assert.Equal(t, 0, idx[0])
		assert.Equal(t, len(pts)-1, idx[len(idx)-1])
		// The ranks give exactly what Douglas–Peucker at that tolerance
		// keeps, and the tolerance is the first doubling that fits.
		assert.Equal(t, Simplify(pts, tol), idx, "max %d", maxPoints)
		if tol > StartToleranceM {
			assert.Greater(t, len(Simplify(pts, tol/2)), maxPoints)
		}
	}
	idx, tol := SimplifyTo(pts[:300], 500)
	assert.Len(t, idx, 300)
	assert.Zero(t, tol)

	idx, _ = SimplifyTo(pts, 0) // at least the endpoints
	assert.Equal(t, []int{0, len(pts) - 1}, idx)
}

func TestSimplifyToGivesUpOnUnusableCoordinates(t *testing.T) {
	pts := randomWalk(10, 3)
	pts[5].Lat = math.Inf(1)
	idx, _ := SimplifyTo(pts, 5)
	assert.LessOrEqual(t, len(idx), 5)
}

func TestPick(t *testing.T) {
	pts := randomWalk(5, 1)
	got := Pick(pts, []int{0, 3, 4})
	assert.Equal(t, []telemetry.Point{pts[0], pts[3], pts[4]}, got)
}

func TestPolylineGoogleExample(t *testing.T) {
	// https://developers.google.com/maps/documentation/utilities/polylinealgorithm
	pts := []telemetry.Point{pt(0, 38.5, -120.2), pt(1, 40.7, -120.95), pt(2, 43.252, -126.453)}
	const want = "_p~iF~ps|U_ulLnnqC_mqNvxq`@"
	assert.Equal(t, want, EncodePolyline(pts))

	got, err := DecodePolyline(want)
	require.NoError(t, err)
	assert.Equal(t, []LatLon{{38.5, -120.2}, {40.7, -120.95}, {43.252, -126.453}}, got)
}

func TestPolylineSingleValue(t *testing.T) {
	// Google's worked example of one value: -179.9832104 encodes to "`~oia@".
	assert.Equal(t, "??", EncodePolyline([]telemetry.Point{pt(0, 0, 0)}))
	s := EncodePolyline([]telemetry.Point{pt(0, -179.9832104, 0)})
	assert.Equal(t, "`~oia@?", s)
}

func TestPolylineRoundTrip(t *testing.T) {
	pts := randomWalk(2000, 5)
	pts = append(pts, pt(0, -89.99999, -179.99999), pt(1, 89.99999, 179.99999), pt(2, 0, 0))
	got, err := DecodePolyline(EncodePolyline(pts))
	require.NoError(t, err)
	require.Len(t, got, len(pts))
	for i, p := range pts {
		assert.InDelta(t, p.Lat, got[i].Lat, 0.5e-5+1e-12)
		assert.InDelta(t, p.Lon, got[i].Lon, 0.5e-5+1e-12)
	}
	empty, err := DecodePolyline("")
	require.NoError(t, err)
	assert.Empty(t, empty)
	assert.Empty(t, EncodePolyline(nil))
}

func TestPolylineMalformed(t *testing.T) {
	for _, s := range []string{
		"_p~iF",              // a latitude without its longitude
		"_p~iF~ps|U_",        // cut in the middle of a value
		"_p~iF~ps|U !",       // characters outside the alphabet
		"__________________", // never ends
	} {
		_, err := DecodePolyline(s)
		assert.ErrorIs(t, err, ErrBadPolyline, "%q", s)
	}
}

func ele(v float64) *float64 { return &v }

func TestLineStringIsLonLat(t *testing.T) {
	pts := []telemetry.Point{pt(0, 45.1, 7.2), pt(1, 45.2, 7.3), pt(2, 45.3, 7.1)}
	ls, err := LineString(pts, false)
	require.NoError(t, err)
	assert.Equal(t, geom.XY, ls.Layout())
	assert.Equal(t, []float64{7.2, 45.1, 7.3, 45.2, 7.1, 45.3}, ls.FlatCoords()) // lon, lat
}

func TestLineStringElevation(t *testing.T) {
	pts := []telemetry.Point{pt(0, 45.1, 7.2), pt(1, 45.2, 7.3)}
	pts[0].Ele, pts[1].Ele = ele(410), ele(425.5)
	ls, err := LineString(pts, true)
	require.NoError(t, err)
	assert.Equal(t, geom.XYZ, ls.Layout())
	assert.Equal(t, []float64{7.2, 45.1, 410, 7.3, 45.2, 425.5}, ls.FlatCoords())

	// Without elevation asked for, or with a point missing it: 2D.
	ls2, err := LineString(pts, false)
	require.NoError(t, err)
	assert.Equal(t, geom.XY, ls2.Layout())
	pts[1].Ele = nil
	ls3, err := LineString(pts, true)
	require.NoError(t, err)
	assert.Equal(t, geom.XY, ls3.Layout())
}

func TestLineStringTooFewPoints(t *testing.T) {
	_, err := LineString([]telemetry.Point{pt(0, 45, 7)}, false)
	assert.ErrorIs(t, err, ErrTooFewPoints)
}

func BenchmarkSimplify(b *testing.B) {
	pts := randomWalk(10000, 42)
	b.ReportAllocs()
	for b.Loop() {
		Simplify(pts, 5)
	}
}

func BenchmarkSimplifyTo(b *testing.B) {
	pts := randomWalk(10000, 42)
	b.ReportAllocs()
	for b.Loop() {
		SimplifyTo(pts, MapPoints)
	}
}

func TestSimplifyToLongRoute(t *testing.T) {
	// A day-long ride at 1 Hz: 100k points, iteratively, within the bound.
	pts := randomWalk(100000, 9)
	idx, tol := SimplifyTo(pts, MapPoints)
	assert.LessOrEqual(t, len(idx), MapPoints)
	assert.Less(t, tol, 1000.0)
}
