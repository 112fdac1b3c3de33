package route

import "github.com/athlos/athlos/modules/training/internal/telemetry"

// Positioned returns the points that have a position, in their order:
// what a route is drawn from. Points without one (indoors, a tunnel) have
// no place on a map; the line joins the positions on either side of them.
// It returns points itself when every point has a position.
func Positioned(points []telemetry.Point) []telemetry.Point {
	n := 0
	for i := range points {
		if points[i].HasPosition() {
			n++
		}
	}
	if n == len(points) {
		return points
	}
	out := make([]telemetry.Point, 0, n)
	for _, p := range points {
		if p.HasPosition() {
			out = append(out, p)
		}
	}
	return out
}
