package zone_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/modules/training/internal/zone"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := zone.Zone{Lat: 52.5, Lon: 13.4, RadiusM: 500}
	require.NoError(t, zone.Validate(ok))
	for _, c := range []struct {
		z     zone.Zone
		field string
	}{
		{zone.Zone{Lat: 91, Lon: 13.4, RadiusM: 500}, "center.lat"},
		{zone.Zone{Lat: -90.5, Lon: 13.4, RadiusM: 500}, "center.lat"},
		{zone.Zone{Lat: math.NaN(), Lon: 13.4, RadiusM: 500}, "center.lat"},
		{zone.Zone{Lat: 52.5, Lon: 180.1, RadiusM: 500}, "center.lon"},
		{zone.Zone{Lat: 52.5, Lon: 13.4, RadiusM: 100}, "radius_m"},
		{zone.Zone{Lat: 52.5, Lon: 13.4, RadiusM: 3000}, "radius_m"},
		{zone.Zone{Lat: 52.5, Lon: 13.4, RadiusM: math.Inf(1)}, "radius_m"},
	} {
		var fe *zone.FieldError
		require.ErrorAs(t, zone.Validate(c.z), &fe, "%+v", c.z)
		assert.Equal(t, c.field, fe.Field)
	}
	for _, r := range []float64{zone.MinRadiusM, zone.MaxRadiusM} {
		assert.NoError(t, zone.Validate(zone.Zone{Lat: 90, Lon: -180, RadiusM: r}), "the bounds are allowed")
	}
}

// The mask circle covers the user's circle whole, wherever it is moved,
// and is not centred on the user's point.
func TestMaskCoversTheZone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		z := zone.Zone{Lat: r.Float64()*170 - 85, Lon: r.Float64()*360 - 180, RadiusM: zone.MinRadiusM + r.Float64()*(zone.MaxRadiusM-zone.MinRadiusM)}
		c := zone.MaskOf(z, r)
		moved := stats.Geodesic(z.Lat, z.Lon, c.Lat, c.Lon)
		require.LessOrEqual(t, moved, z.RadiusM/4*1.01, "moved by at most a quarter of the radius")
		require.GreaterOrEqual(t, c.RadiusM, z.RadiusM+moved+zone.Margin, "covers the zone, with the margin: %+v %+v", z, c)
		// Points on the zone's edge, in every direction, are hidden.
		for b := 0.0; b < 2*math.Pi; b += math.Pi / 8 {
			dLat := z.RadiusM * math.Cos(b) / 111320 * 0.999
			dLon := z.RadiusM * math.Sin(b) / (111320 * math.Cos(z.Lat*math.Pi/180)) * 0.999
			lat, lon := z.Lat+dLat, z.Lon+dLon
			if stats.Geodesic(z.Lat, z.Lon, lat, lon) > z.RadiusM {
				continue // the flat approximation overshot; not a point of the zone
			}
			require.True(t, zone.Mask{c}.Hides(lat, lon))
		}
	}
}

func line(lat0, lon0 float64, n int, stepDeg float64) []telemetry.Point {
	out := make([]telemetry.Point, n)
	for i := range out {
		out[i] = telemetry.Point{Lat: lat0, Lon: lon0 + float64(i)*stepDeg}
	}
	return out
}

// A line through a zone is cut in two parts; one starting and ending in it
// keeps its middle; a zone off the line changes nothing; a segment whose
// ends are outside but which passes through a zone is cut.
func TestParts(t *testing.T) {
	t.Parallel()
	// 200 points 10 m apart eastwards along 52.5 N (0.000148 deg of longitude is about 10 m).
	pts := line(52.5, 13.4, 200, 0.000148)
	mid := pts[100]
	m := zone.Mask{{Lat: mid.Lat, Lon: mid.Lon, RadiusM: 205}}
	parts := m.Lines(pts)
	require.Len(t, parts, 2)
	for _, p := range parts {
		for _, q := range p {
			assert.Greater(t, stats.Geodesic(q.Lat, q.Lon, mid.Lat, mid.Lon), 205.0)
		}
	}
	assert.InDelta(t, 200-41, len(parts[0])+len(parts[1]), 2, "about 41 points within 205 m")

	start := zone.Mask{{Lat: pts[0].Lat, Lon: pts[0].Lon, RadiusM: 300}, {Lat: pts[199].Lat, Lon: pts[199].Lon, RadiusM: 300}}
	parts = start.Lines(pts)
	require.Len(t, parts, 1)
	assert.Greater(t, stats.Geodesic(parts[0][0].Lat, parts[0][0].Lon, pts[0].Lat, pts[0].Lon), 300.0)

	far := zone.Mask{{Lat: 48.1, Lon: 11.5, RadiusM: 2000}}
	parts = far.Lines(pts)
	require.Len(t, parts, 1)
	assert.Len(t, parts[0], 200)
	assert.Equal(t, [][]telemetry.Point{pts}, zone.Mask(nil).Parts(pts), "no mask: the whole line")

	// Two points 2 km apart, a zone of 300 m between them: no point is
	// inside, but the segment is, so the line is cut (two single points,
	// nothing to draw).
	a, b := telemetry.Point{Lat: 52.5, Lon: 13.4}, telemetry.Point{Lat: 52.5, Lon: 13.4296}
	across := zone.Mask{{Lat: 52.5, Lon: 13.4148, RadiusM: 300}}
	assert.Len(t, across.Parts([]telemetry.Point{a, b}), 2)
	assert.Empty(t, across.Lines([]telemetry.Point{a, b}))

	// Points without a position are skipped.
	gap := append(append([]telemetry.Point{}, pts[:3]...), telemetry.NoPosition(telemetry.Point{}))
	assert.Len(t, far.Parts(gap)[0], 3)
}

func TestLongest(t *testing.T) {
	t.Parallel()
	short, long := line(52.5, 13.4, 3, 0.001), line(52.6, 13.4, 3, 0.01)
	assert.Equal(t, long, zone.Longest([][]telemetry.Point{short, long}))
	assert.Nil(t, zone.Longest(nil))
}

// BenchmarkMaskLines masks a 10,000-point line (3 m apart, a loop) with 5
// zones of 400 m on it: the work a read by another user adds.
//
//	go test ./modules/training/internal/zone -run '^$' -bench MaskLines
func BenchmarkMaskLines(b *testing.B) {
	const n = 10000
	r := 3.0 * n / (2 * math.Pi)
	pts := make([]telemetry.Point, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / n
		pts[i] = telemetry.Point{Lat: 52.5 + r*math.Sin(a)/111320, Lon: 13.4 + r*(1-math.Cos(a))/(111320*math.Cos(52.5*math.Pi/180))}
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	var m zone.Mask
	for i := range 5 {
		p := pts[i*n/5]
		m = append(m, zone.MaskOf(zone.Zone{Lat: p.Lat, Lon: p.Lon, RadiusM: 400}, rnd))
	}
	b.ResetTimer()
	for range b.N {
		if len(m.Lines(pts)) == 0 {
			b.Fatal("all hidden")
		}
	}
}

// Each session is cut on a circle of its own, always the same, never
// smaller than the mask.
func TestForSession(t *testing.T) {
	t.Parallel()
	m := zone.Mask{{Lat: 52.5, Lon: 13.4, RadiusM: 1000}, {Lat: 48.1, Lon: 11.6, RadiusM: 300}}
	radii := map[float64]bool{}
	for i := range 50 {
		var id [16]byte
		id[0], id[15] = byte(i), 7
		s := m.ForSession(id)
		require.Len(t, s, 2)
		assert.Equal(t, s, m.ForSession(id), "the same session, the same cut")
		for j := range m {
			assert.Equal(t, m[j].Lat, s[j].Lat)
			assert.GreaterOrEqual(t, s[j].RadiusM, m[j].RadiusM)
			assert.LessOrEqual(t, s[j].RadiusM, m[j].RadiusM*1.2)
		}
		radii[s[0].RadiusM] = true
	}
	assert.Greater(t, len(radii), 45, "sessions are cut in different places")
	assert.Empty(t, zone.Mask(nil).ForSession([16]byte{1}))
}
