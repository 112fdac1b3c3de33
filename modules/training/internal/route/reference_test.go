package route

import (
	"errors"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// What the tests check the route's code against: a plain Douglas–Peucker
// (SimplifyTo ranks the points in one pass and must keep what it keeps),
// and a polyline decoder (EncodePolyline must round-trip).

// Simplify runs Douglas–Peucker on the points' positions and returns the
// indices of the points kept, in order; the first and the last are always
// kept. A point is dropped when it lies within toleranceM metres of the
// segment joining the kept points around it. Positions are projected to
// metres with an equirectangular projection around the route's mean
// latitude, which is accurate to well under a percent at the scale of a
// workout. A negative or NaN tolerance counts as 0 (only points exactly on
// the line are dropped). The work is iterative, with an explicit stack, so
// no route is too long for it.
func Simplify(points []telemetry.Point, toleranceM float64) []int {
	return simplify(project(points), toleranceM)
}

// simplify is Douglas–Peucker on projected points.
func simplify(pts []xy, tol float64) []int {
	n := len(pts)
	if n <= 2 {
		return allIndices(n)
	}
	if !(tol > 0) { // negative or NaN
		tol = 0
	}
	tol2 := tol * tol
	keep := make([]bool, n)
	keep[0], keep[n-1] = true, true
	kept := 2
	stack := []span{{0, n - 1}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.b-s.a < 2 {
			continue
		}
		far, farD2 := -1, tol2
		for i := s.a + 1; i < s.b; i++ {
			if d2 := segmentDist2(pts[i], pts[s.a], pts[s.b]); d2 > farD2 {
				far, farD2 = i, d2
			}
		}
		if far < 0 {
			continue // every point of the span is within tolerance
		}
		keep[far] = true
		kept++
		stack = append(stack, span{s.a, far}, span{far, s.b})
	}
	idx := make([]int, 0, kept)
	for i, k := range keep {
		if k {
			idx = append(idx, i)
		}
	}
	return idx
}

// LatLon is a position decoded from a polyline.
type LatLon struct {
	Lat, Lon float64
}

// ErrBadPolyline is returned for a string that is not an encoded polyline.
var ErrBadPolyline = errors.New("route: malformed encoded polyline")

// DecodePolyline decodes a string made by EncodePolyline (or any
// precision-5 encoded polyline).
func DecodePolyline(s string) ([]LatLon, error) {
	var out []LatLon
	var lat, lon int64
	for i := 0; i < len(s); {
		dLat, n, err := decodeValue(s[i:])
		if err != nil {
			return nil, err
		}
		i += n
		dLon, n, err := decodeValue(s[i:])
		if err != nil {
			return nil, err
		}
		i += n
		lat += dLat
		lon += dLon
		out = append(out, LatLon{Lat: float64(lat) / polylineFactor, Lon: float64(lon) / polylineFactor})
	}
	return out, nil
}

// decodeValue reads one value, returning it and how many bytes it took.
func decodeValue(s string) (int64, int, error) {
	var u uint64
	for i, shift := 0, uint(0); i < len(s) && shift < 64; i, shift = i+1, shift+5 {
		c := s[i]
		if c < 63 || c > 63+0x3f {
			return 0, 0, ErrBadPolyline
		}
		chunk := uint64(c - 63)
		u |= (chunk & 0x1f) << shift
		if chunk < 0x20 {
			v := int64(u >> 1)
			if u&1 != 0 {
				v = ^v
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrBadPolyline
}
