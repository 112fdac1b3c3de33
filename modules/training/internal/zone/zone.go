// Package zone is the privacy zones' domain: a user's circles (a centre
// and a radius of MinRadiusM to MaxRadiusM, at most MaxPerUser) inside
// which the positions of the user's sessions are hidden from everyone but
// the user, and the masking of lines and positions by them. It has no
// SQL, NATS or fx in it.
//
// Masking is done with the mask circle of each zone (MaskOf), not the
// zone itself: a circle whose centre is moved from the user's point by a
// random distance of up to a quarter of the radius, in a random direction,
// and whose radius is enlarged by that distance plus Margin, so that it
// covers the user's circle whole; and each session is cut on that circle
// enlarged by a distance of its own (Mask.ForSession). Were routes cut on
// the user's own circle, the cuts of many sessions would lie on a circle
// around the point the user chose (often a home), and give its centre
// away. (Strava varies where it cuts from one activity to the next for
// the same reason.)
package zone

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// The limits of a zone.
const (
	MaxPerUser = 5
	MinRadiusM = 200.0
	MaxRadiusM = 2000.0
	// Margin is added to a mask circle's radius so that a position
	// outside it by less stays outside the user's circle after the
	// outputs' rounding (an encoded polyline keeps 1e-5 degree: up to
	// 0.8 m).
	Margin = 2.0
)

// Zone is a user's privacy zone as the user gave it.
type Zone struct {
	Lat, Lon, RadiusM float64
}

// Circle is a circle on the WGS 84 ellipsoid: a mask circle (MaskOf).
type Circle struct {
	Lat, Lon, RadiusM float64
}

// FieldError is an invalid field of a zone: Field names it under body.
// (center.lat, center.lon, radius_m).
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks a zone: latitude -90 to 90, longitude -180 to 180,
// radius MinRadiusM to MaxRadiusM, all finite.
func Validate(z Zone) error {
	switch {
	case math.IsNaN(z.Lat) || z.Lat < -90 || z.Lat > 90:
		return &FieldError{"center.lat", "must be between -90 and 90"}
	case math.IsNaN(z.Lon) || z.Lon < -180 || z.Lon > 180:
		return &FieldError{"center.lon", "must be between -180 and 180"}
	case math.IsNaN(z.RadiusM) || z.RadiusM < MinRadiusM || z.RadiusM > MaxRadiusM:
		return &FieldError{"radius_m", fmt.Sprintf("must be between %g and %g metres", MinRadiusM, MaxRadiusM)}
	}
	return nil
}

// MaskOf returns the circle that hides z: centred up to a quarter of
// the radius away from z's centre, in a direction and at a distance
// drawn from r (nil: a random source), with a radius that covers z whole
// (z's radius, plus the distance moved, plus Margin).
func MaskOf(z Zone, r *rand.Rand) Circle {
	f, b := rand.Float64, rand.Float64
	if r != nil {
		f, b = r.Float64, r.Float64
	}
	d := f() * z.RadiusM / 4
	bearing := b() * 2 * math.Pi
	lat, lon := destination(z.Lat, z.Lon, bearing, d)
	return Circle{Lat: lat, Lon: lon, RadiusM: z.RadiusM + d + Margin + moveSlack}
}

// moveSlack covers the difference between the sphere on which the mask's
// centre is moved and the ellipsoid on which distances are measured
// (0.5 % of at most 500 m).
const moveSlack = 3.0

// destination is the point at distance d (m) from (lat, lon) in the
// direction bearing (radians from north), on the mean sphere.
func destination(lat, lon, bearing, d float64) (float64, float64) {
	const r = 6371008.8
	rad := math.Pi / 180
	φ1, λ1, δ := lat*rad, lon*rad, d/r
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(bearing))
	λ2 := λ1 + math.Atan2(math.Sin(bearing)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*math.Sin(φ2))
	lon2 := math.Mod(λ2/rad+540, 360) - 180
	return φ2 / rad, lon2
}

// Mask hides positions within a set of mask circles.
type Mask []Circle

// ForSession returns the mask one session is cut with: each circle
// enlarged by a distance of up to a fifth of its radius, drawn from the
// session's id and the circle (whose centre, moved at random, never
// leaves the server), so that the cuts of a user's sessions do not lie on
// one circle either. A session is always cut in the same place: reading
// it again tells nothing more.
func (m Mask) ForSession(session [16]byte) Mask {
	if len(m) == 0 {
		return m
	}
	out := make(Mask, len(m))
	var buf [16 + 24]byte
	copy(buf[:], session[:])
	for i, c := range m {
		binary.LittleEndian.PutUint64(buf[16:], math.Float64bits(c.Lat))
		binary.LittleEndian.PutUint64(buf[24:], math.Float64bits(c.Lon))
		binary.LittleEndian.PutUint64(buf[32:], math.Float64bits(c.RadiusM))
		h := sha256.Sum256(buf[:])
		f := float64(binary.LittleEndian.Uint64(h[:8])>>11) / (1 << 53) // [0, 1)
		c.RadiusM += f * c.RadiusM / 5
		out[i] = c
	}
	return out
}

// Empty reports whether the mask hides nothing.
func (m Mask) Empty() bool { return len(m) == 0 }

// Hides reports whether the position is within one of the circles (on
// the WGS 84 ellipsoid).
func (m Mask) Hides(lat, lon float64) bool { return m.prepare().hides(lat, lon) }

// mPerDeg is a degree of latitude in metres, about (110,574 at the
// equator to 111,694 at the poles).
const mPerDeg = 111320.0

// prepared is a mask ready for many tests: each circle with the length of
// a degree of longitude at its latitude.
type prepared []preparedCircle

type preparedCircle struct {
	Circle
	k float64 // cos(lat)
}

func (m Mask) prepare() prepared {
	out := make(prepared, len(m))
	for i, c := range m {
		out[i] = preparedCircle{c, math.Cos(c.Lat * math.Pi / 180)}
	}
	return out
}

// hides is Hides. A position surely outside a circle is told cheaply: by
// its distance in latitude (a degree is over 110 km), then, away from the
// poles, by a flat-earth distance with a generous allowance (it errs by
// far less than 10 % within a few kilometres); the rest is measured on
// the ellipsoid.
func (m prepared) hides(lat, lon float64) bool {
	for _, c := range m {
		dy := math.Abs(lat-c.Lat) * 110000
		if dy > c.RadiusM {
			continue
		}
		if math.Abs(c.Lat) < 80 && math.Abs(lat) < 80 {
			dLon := math.Abs(lon - c.Lon)
			if dLon > 180 {
				dLon = 360 - dLon
			}
			if dx := dLon * mPerDeg * c.k; math.Hypot(dx, dy) > c.RadiusM*1.1+10 {
				continue
			}
		}
		if stats.Geodesic(lat, lon, c.Lat, c.Lon) <= c.RadiusM {
			return true
		}
	}
	return false
}

// crosses reports whether the straight segment between two positions
// outside every circle passes through one of them (points sampled by a
// device are metres apart, but a simplified line or an imported file's
// sparse points are not). It works in a plane tangent at the circle's
// centre and errs on the side of hiding (1 % on the radius).
func (m prepared) crosses(aLat, aLon, bLat, bLon float64) bool {
	for _, c := range m {
		ax, ay := (aLon-c.Lon)*c.k*mPerDeg, (aLat-c.Lat)*mPerDeg
		bx, by := (bLon-c.Lon)*c.k*mPerDeg, (bLat-c.Lat)*mPerDeg
		r := c.RadiusM * 1.01
		if (ax > r && bx > r) || (ax < -r && bx < -r) || (ay > r && by > r) || (ay < -r && by < -r) {
			continue // both ends on the far side of the same edge of the circle's box
		}
		dx, dy := bx-ax, by-ay
		l2 := dx*dx + dy*dy
		if l2 == 0 {
			continue
		}
		t := -(ax*dx + ay*dy) / l2
		if t <= 0 || t >= 1 {
			continue // the nearest point is an end, which is outside
		}
		if math.Hypot(ax+t*dx, ay+t*dy) <= r {
			return true
		}
	}
	return false
}

// Parts returns the parts of a line (positions, in order) that the mask
// leaves visible: runs of consecutive positions outside every circle,
// broken where a position is inside one or where the segment between two
// outside positions passes through one. Points without a position are
// skipped (they draw nothing). With an empty mask, it is the whole line
// (its positioned points), one part. Parts of a single position are kept:
// callers drawing lines drop them (Lines). The parts share the memory of
// points when all of them have a position.
func (m Mask) Parts(points []telemetry.Point) [][]telemetry.Point {
	for i := range points {
		if !points[i].HasPosition() {
			points = positioned(points)
			break
		}
	}
	pm := m.prepare()
	var parts [][]telemetry.Point
	start := -1 // the first point of the current part, -1: none
	for i := range points {
		p := &points[i]
		if pm.hides(p.Lat, p.Lon) {
			if start >= 0 {
				parts = append(parts, points[start:i:i])
			}
			start = -1
			continue
		}
		if start >= 0 && pm.crosses(points[i-1].Lat, points[i-1].Lon, p.Lat, p.Lon) {
			parts = append(parts, points[start:i:i])
			start = -1
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		parts = append(parts, points[start:len(points):len(points)])
	}
	return parts
}

func positioned(points []telemetry.Point) []telemetry.Point {
	out := make([]telemetry.Point, 0, len(points))
	for _, p := range points {
		if p.HasPosition() {
			out = append(out, p)
		}
	}
	return out
}

// Lines returns the visible parts of a line that can be drawn: those of
// two positions or more.
func (m Mask) Lines(points []telemetry.Point) [][]telemetry.Point {
	parts := m.Parts(points)
	out := parts[:0]
	for _, p := range parts {
		if len(p) >= 2 {
			out = append(out, p)
		}
	}
	return out
}

// Longest returns the longest (by distance) of lines, nil when there is
// none.
func Longest(lines [][]telemetry.Point) []telemetry.Point {
	var best []telemetry.Point
	bestM := -1.0
	for _, l := range lines {
		d := 0.0
		for i := 1; i < len(l); i++ {
			d += stats.Geodesic(l[i-1].Lat, l[i-1].Lon, l[i].Lat, l[i].Lon)
		}
		if d > bestM {
			best, bestM = l, d
		}
	}
	return best
}
