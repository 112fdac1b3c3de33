package stats

import (
	"time"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// Live is an open session's running figures, brought up to date batch by
// batch as points are stored, so watchers see them without the points
// being read back. It is serialisable: it is kept with the session, and
// any process may continue it.
//
// Points are counted in time order: a point older than the latest counted
// one (sent late, out of order) is stored but not counted here. Finishing
// computes every figure again from all the stored points.
type Live struct {
	Points    int              `json:"points"`
	First     time.Time        `json:"first"`
	Last      *telemetry.Point `json:"last,omitempty"`
	DistanceM float64          `json:"distance_m"`
	MovingS   float64          `json:"moving_s"`
	Climb     Climb            `json:"climb"`
	// SpeedMps is the current speed: the device's when the latest point
	// carries one, else that of the latest segment.
	SpeedMps float64 `json:"speed_mps"`
}

// Add counts points (in time order, as telemetry.Filter returns them) of a
// session of sport, skipping those not after the latest counted.
func (l *Live) Add(points []telemetry.Point, sport string) {
	threshold := MovingThreshold(sport)
	for i := range points {
		p := points[i]
		if l.Last != nil && !p.T.After(l.Last.T) {
			continue
		}
		l.Points++
		if l.Last == nil {
			l.First = p.T
		} else {
			a := l.Last
			d := Geodesic(a.Lat, a.Lon, p.Lat, p.Lon)
			dt := p.T.Sub(a.T)
			l.DistanceM += d
			speed := d / dt.Seconds()
			if speed >= threshold && dt <= maxGap {
				l.MovingS += dt.Seconds()
			}
			l.SpeedMps = speed
		}
		if p.Speed != nil {
			l.SpeedMps = *p.Speed
		}
		if p.Ele != nil {
			l.Climb.Add(*p.Ele)
		}
		// Keep only what the next point needs: position, time,
		// altitude and heart rate.
		l.Last = &telemetry.Point{T: p.T, Lat: p.Lat, Lon: p.Lon, Ele: p.Ele, HR: p.HR}
	}
}

// ElapsedS is the time from the first to the latest counted point.
func (l *Live) ElapsedS() float64 {
	if l.Last == nil {
		return 0
	}
	return l.Last.T.Sub(l.First).Seconds()
}

// AvgSpeedMps is the distance over the moving time.
func (l *Live) AvgSpeedMps() float64 {
	if l.MovingS == 0 {
		return 0
	}
	return l.DistanceM / l.MovingS
}
