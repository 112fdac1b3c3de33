package stats

import (
	"time"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// Odometer measures the distance between consecutive points of a session,
// whatever they carry, segment by segment in time order:
//
//   - two points with a position: the distance on the ellipsoid between
//     them (outdoors, as before indoor sessions existed);
//   - else two points with the device's cumulative distance (a footpod, a
//     trainer, a treadmill, a pool's lengths): its increase (0 when the
//     device reset it), once it has left 0 (a device that writes 0
//     throughout, like a rowing machine whose distance goes in a developer
//     field of its FIT file, measures nothing);
//   - else the device's speed at the first point times the time to the
//     next (a treadmill that gives only its speed), over gaps up to maxGap;
//   - else nothing is measured.
//
// A stretch of points without a position between two positioned ones (a
// run that lost GPS in a tunnel) counts the larger of what the device
// measured over it and the distance on the ellipsoid from the last
// position before it to the first after it (the bridge): both fall short
// of the truth, the bridge by cutting corners, the device when its
// distance comes from the GPS itself and stood still without a fix (as a
// GPS watch's does). What the bridge adds is counted on the segment that
// ends the stretch.
//
// A session's distance, the live distance and the laps' use it, so they
// agree. Its zero value is ready; it is serialisable, so a live session's
// odometer can continue in another process.
type Odometer struct {
	// HasPos tells whether a position was seen; Lat and Lon are the
	// latest one.
	HasPos   bool
	Lat, Lon float64
	// StretchM is what the device measured since the latest position.
	StretchM float64
}

// Segment is what Step tells of one segment.
type Segment struct {
	// DistanceM is the distance from a to b.
	DistanceM float64
	// Measured is false when the distance of the segment is unknown or
	// comes from a bridge: its speed then says nothing, and whether the
	// athlete was moving is judged by the sensors (Moving).
	Measured bool
}

// See counts a session's first point.
func (o *Odometer) See(p telemetry.Point) {
	if p.HasPosition() {
		o.HasPos, o.Lat, o.Lon, o.StretchM = true, p.Lat, p.Lon, 0
	}
}

// Step measures the segment from a to b (b after a, consecutive) and
// counts b.
func (o *Odometer) Step(a, b telemetry.Point) Segment {
	var s Segment
	dt := b.T.Sub(a.T)
	switch {
	case a.HasPosition() && b.HasPosition():
		s = Segment{DistanceM: Geodesic(a.Lat, a.Lon, b.Lat, b.Lon), Measured: true}
	case a.Dist != nil && b.Dist != nil && *b.Dist > 0:
		s = Segment{DistanceM: max(0, *b.Dist-*a.Dist), Measured: true}
	case a.Speed != nil && dt > 0 && dt <= maxGap:
		s = Segment{DistanceM: *a.Speed * dt.Seconds(), Measured: true}
	}
	if !a.HasPosition() {
		o.StretchM += s.DistanceM
		if b.HasPosition() && o.HasPos {
			if bridge := Geodesic(o.Lat, o.Lon, b.Lat, b.Lon); bridge > o.StretchM {
				s = Segment{DistanceM: s.DistanceM + bridge - o.StretchM}
			}
		}
	}
	o.See(b)
	return s
}

// Moving reports whether the athlete was moving over a segment of dt from
// a of a session of sport: a measured segment by its speed against the
// sport's threshold (MovingThreshold, auto-pause); one whose distance is
// not measured (indoors without a device distance or speed: a strength
// session, a trainer ride with power only) when a, its first point, has
// heart rate or power: the sensors say the athlete was at work. Gaps over
// maxGap are pauses either way.
func Moving(seg Segment, a telemetry.Point, dt time.Duration, sport string) bool {
	if dt <= 0 || dt > maxGap {
		return false
	}
	if seg.Measured {
		return seg.DistanceM/dt.Seconds() >= MovingThreshold(sport)
	}
	return a.HR != nil || a.Pwr != nil
}

// Segments measures every segment of points (in time order): the i-th is
// the one ending at points[i] (the first is empty).
func Segments(points []telemetry.Point) []Segment {
	out := make([]Segment, len(points))
	if len(points) == 0 {
		return out
	}
	var odo Odometer
	odo.See(points[0])
	for i := 1; i < len(points); i++ {
		out[i] = odo.Step(points[i-1], points[i])
	}
	return out
}
