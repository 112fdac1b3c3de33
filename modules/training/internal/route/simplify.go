// Package route turns a session's points into what maps draw: a line
// simplified to a few hundred points (Douglas–Peucker), Google's encoded
// polyline, and GeoJSON. It has no SQL, NATS or fx in it.
package route

import (
	"math"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// earthRadius is the WGS84 mean Earth radius, in metres.
const earthRadius = 6371008.8

// MapPoints is how many points a route drawn on a map needs at most.
const MapPoints = 500

// StartToleranceM is the tolerance SimplifyTo tries first, in metres: about
// what consumer GPS can tell apart.
const StartToleranceM = 2.0

// maxDoublings bounds SimplifyTo's search. 2 m doubled 40 times is far more
// than the Earth's circumference, so only unusable coordinates get there.
const maxDoublings = 40

// xy is a point projected to metres.
type xy struct{ x, y float64 }

// SimplifyTo simplifies the points so that at most maxPoints remain
// (at least 2): it tries StartToleranceM and doubles the tolerance until
// the route is small enough. It returns the indices kept and the tolerance
// used, 0 when the route was small enough as it was.
func SimplifyTo(points []telemetry.Point, maxPoints int) (idx []int, toleranceM float64) {
	maxPoints = max(maxPoints, 2)
	if len(points) <= maxPoints {
		return allIndices(len(points)), 0
	}
	// One Douglas–Peucker pass ranks every point; the tolerances are then
	// tried on the ranks, not by running the algorithm again.
	rank := ranks(project(points))
	tol := StartToleranceM
	for range maxDoublings {
		tol2, kept := tol*tol, 0
		for _, r := range rank {
			if r > tol2 {
				kept++
			}
		}
		if kept <= maxPoints {
			idx := make([]int, 0, kept)
			for i, r := range rank {
				if r > tol2 {
					idx = append(idx, i)
				}
			}
			return idx, tol
		}
		tol *= 2
	}
	return []int{0, len(points) - 1}, math.Inf(1)
}

// ranks runs Douglas–Peucker to the end and gives each point the largest
// squared tolerance that would drop it: the squared distance at which it
// split its span, capped by that of the span's own split point (a point
// can outlive the point above it in no run). So simplify(pts, t) keeps
// exactly the points whose rank exceeds t²; the ends rank +Inf.
func ranks(pts []xy) []float64 {
	n := len(pts)
	rank := make([]float64, n)
	if n == 0 {
		return rank
	}
	rank[0], rank[n-1] = math.Inf(1), math.Inf(1)
	type ranked struct {
		span
		cap float64
	}
	stack := []ranked{{span{0, n - 1}, math.Inf(1)}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.b-s.a < 2 {
			continue
		}
		far, farD2 := -1, 0.0
		for i := s.a + 1; i < s.b; i++ {
			if d2 := segmentDist2(pts[i], pts[s.a], pts[s.b]); d2 > farD2 {
				far, farD2 = i, d2
			}
		}
		if far < 0 {
			continue // every point lies on the segment: rank 0
		}
		r := min(farD2, s.cap)
		rank[far] = r
		stack = append(stack, ranked{span{s.a, far}, r}, ranked{span{far, s.b}, r})
	}
	return rank
}

// Pick returns the points at the indices, as Simplify returns them.
func Pick(points []telemetry.Point, idx []int) []telemetry.Point {
	out := make([]telemetry.Point, len(idx))
	for i, k := range idx {
		out[i] = points[k]
	}
	return out
}

// project maps the points to metres: x east, y north, around the mean
// latitude. Longitudes are unwrapped first, so a route crossing the
// antimeridian stays continuous.
func project(points []telemetry.Point) []xy {
	if len(points) == 0 {
		return nil
	}
	var latSum float64
	for _, p := range points {
		latSum += p.Lat
	}
	const rad = math.Pi / 180
	kx := earthRadius * math.Cos(latSum/float64(len(points))*rad) * rad
	ky := earthRadius * rad
	out := make([]xy, len(points))
	lon := points[0].Lon
	for i, p := range points {
		if i > 0 {
			d := math.Mod(p.Lon-points[i-1].Lon, 360)
			switch {
			case d > 180:
				d -= 360
			case d < -180:
				d += 360
			}
			lon += d
		}
		out[i] = xy{x: lon * kx, y: p.Lat * ky}
	}
	return out
}

type span struct{ a, b int }

// segmentDist2 is the squared distance from p to the segment ab.
func segmentDist2(p, a, b xy) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	px, py := p.x-a.x, p.y-a.y
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t := min(max((px*dx+py*dy)/l2, 0), 1)
		px -= t * dx
		py -= t * dy
	}
	return px*px + py*py
}

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
