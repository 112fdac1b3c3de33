package route

import (
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// What the tests check the route's code against: a plain Douglas–Peucker
// (SimplifyTo ranks the points in one pass and must keep what it keeps).
// (DecodePolyline, in polyline.go, is what EncodePolyline must round-trip
// with.)

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
