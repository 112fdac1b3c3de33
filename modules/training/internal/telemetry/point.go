// Package telemetry holds the rules of workout telemetry: the compact point
// format the app sends (docs/configuration.md, Real-time), which points are plausible, and the
// distance between two of them. A batch is never refused as a whole:
// impossible points are dropped and counted by reason. The package has no
// SQL, NATS or fx in it.
package telemetry

import (
	"math"
	"sort"
	"time"
)

// Point is one telemetry sample in the app's compact format: t is
// required, the rest optional. A point without a position (indoor: a
// treadmill, a trainer, a pool, a gym; a GPS fix lost in a tunnel) has NaN
// in Lat and Lon (HasPosition); a point with only one of them is refused.
type Point struct {
	T   time.Time `json:"t"`
	Lat float64   `json:"lat"`
	Lon float64   `json:"lon"`
	// Dist is the device's cumulative distance in metres (a footpod's, a
	// trainer's, a treadmill's, a pool's lengths), when it gives one.
	Dist  *float64 `json:"dist,omitempty"`
	Ele   *float64 `json:"ele,omitempty"`   // m above sea level
	Acc   *float64 `json:"acc,omitempty"`   // horizontal accuracy, m
	Speed *float64 `json:"speed,omitempty"` // m/s, as the device measured it
	HR    *int     `json:"hr,omitempty"`    // bpm
	Cad   *int     `json:"cad,omitempty"`   // rpm or steps/min
	Pwr   *int     `json:"pwr,omitempty"`   // W
	Temp  *float64 `json:"temp,omitempty"`  // °C
	// Lap marks the first point of a new lap (the athlete pressed "lap").
	Lap bool `json:"lap,omitempty"`
}

// HasPosition reports whether the point has a latitude and a longitude.
func (p *Point) HasPosition() bool { return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lon) }

// Empty reports whether the point carries nothing but its time: no
// position, no value, no lap marker.
func (p *Point) Empty() bool {
	return !p.HasPosition() && !p.Lap && p.Ele == nil && p.Speed == nil && p.Dist == nil && p.HR == nil &&
		p.Cad == nil && p.Pwr == nil && p.Temp == nil
}

// NoPosition returns p without a position.
func NoPosition(p Point) Point {
	p.Lat, p.Lon = math.NaN(), math.NaN()
	return p
}

// Batch is what one message carries: many points.
type Batch struct {
	Points []Point `json:"points"`
}

// Reasons a point is dropped.
const (
	// DropPartialPosition: a latitude without a longitude, or the other
	// way round. A point with neither is kept (indoor sessions)...
	DropPartialPosition = "partial_position"
	// DropNoPosition: ...unless it carries nothing else either (Empty).
	DropNoPosition  = "no_position"
	DropCoordinates = "coordinates_out_of_range"
	DropNullIsland  = "null_island"
	DropTime        = "time_outside_session"
	DropDuplicate   = "duplicate_time"
	DropSpeed       = "impossible_speed"
	DropSensor      = "sensor_value_out_of_range"
)

// Session is what the rules need to know of the session the points are for.
type Session struct {
	Sport     string
	StartedAt time.Time
	// Until is the latest plausible time: the finish, or now.
	Until time.Time
}

// Clock margins: devices' clocks drift, and a session may start recording a
// little before the app registers it.
const (
	EarlyMargin = 10 * time.Minute
	LateMargin  = 2 * time.Minute
)

// MaxSpeed is the highest plausible speed of a sport, in m/s: beyond it a
// point is a GPS jump, not an athlete.
func MaxSpeed(sport string) float64 {
	switch sport {
	case "run":
		return 12.5 // faster than any sprinter
	case "trail_run":
		return 10
	case "walk", "hike":
		return 4.5
	case "ride":
		return 33 // downhill road descents
	case "mountain_bike":
		return 25
	case "swim":
		return 3
	case "row":
		return 8
	case "ski":
		return 45
	default:
		return 100
	}
}

// Result of Filter: the plausible points in time order, and how many of
// the others were dropped for which reason.
type Result struct {
	Accepted []Point
	Dropped  map[string]int
}

// Filter keeps the plausible points of a batch for a session. prev, when
// set, is the latest point already stored, so a jump from it is caught too.
func Filter(points []Point, s Session, prev *Point) Result {
	res := Result{Dropped: map[string]int{}}
	cands := make([]Point, 0, len(points))
	for _, p := range points {
		if reason := check(p, s); reason != "" {
			res.Dropped[reason]++
			continue
		}
		cands = append(cands, p)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].T.Before(cands[j].T) })
	maxSpeed := MaxSpeed(s.Sport)
	last := prev                 // the latest point, for duplicates
	var lastPos, lastDist *Point // the latest with a position, with a device distance, for jumps
	if prev != nil && prev.HasPosition() {
		lastPos = prev
	}
	if prev != nil && prev.Dist != nil {
		lastDist = prev
	}
	for i := range cands {
		p := cands[i]
		if last != nil && p.T.Equal(last.T) {
			res.Dropped[DropDuplicate]++
			continue
		}
		if lastPos != nil && p.HasPosition() && p.T.After(lastPos.T) {
			dt := p.T.Sub(lastPos.T).Seconds()
			d := Distance(lastPos.Lat, lastPos.Lon, p.Lat, p.Lon)
			if d/dt > maxSpeed && d > jumpTolerance(lastPos, &p) {
				res.Dropped[DropSpeed]++
				continue
			}
		}
		if lastDist != nil && p.Dist != nil && p.T.After(lastDist.T) &&
			(*p.Dist-*lastDist.Dist)/p.T.Sub(lastDist.T).Seconds() > maxSpeed && *p.Dist-*lastDist.Dist > distTolerance {
			res.Dropped[DropSpeed]++
			continue
		}
		res.Accepted = append(res.Accepted, p)
		last = &res.Accepted[len(res.Accepted)-1]
		if last.HasPosition() {
			lastPos = last
		}
		if last.Dist != nil {
			lastDist = last
		}
	}
	if len(res.Dropped) == 0 {
		res.Dropped = nil
	}
	return res
}

// jumpTolerance is the distance two points may be apart whatever the time
// between them: their accuracy radii (or 20 m when unknown), so GPS jitter
// between points a second apart is not taken for speed.
func jumpTolerance(a, b *Point) float64 {
	acc := func(p *Point) float64 {
		if p.Acc != nil {
			return math.Min(*p.Acc, 100)
		}
		return 20
	}
	return acc(a) + acc(b)
}

// distTolerance is how far a device's distance may move between two
// points whatever the time between them (a pool length counted at once).
const distTolerance = 50.0

// MaxDistance bounds a device's cumulative distance, m.
const MaxDistance = 1_000_000.0

func check(p Point, s Session) string {
	pos := p.HasPosition() // without one, only the time and the sensors are checked
	switch {
	case math.IsNaN(p.Lat) != math.IsNaN(p.Lon):
		return DropPartialPosition
	case p.Empty():
		return DropNoPosition
	case pos && (p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180):
		return DropCoordinates
	case pos && p.Lat == 0 && p.Lon == 0:
		return DropNullIsland
	case p.T.IsZero() || p.T.Before(s.StartedAt.Add(-EarlyMargin)) || p.T.After(s.Until.Add(LateMargin)):
		return DropTime
	case p.Speed != nil && (*p.Speed < 0 || *p.Speed > MaxSpeed(s.Sport) || math.IsNaN(*p.Speed)):
		return DropSpeed
	case outside(p.Ele, -500, 9000), outside(p.Dist, 0, MaxDistance), outside(p.Acc, 0, 10000), outside(p.Temp, -60, 60),
		outsideInt(p.HR, 20, 250), outsideInt(p.Cad, 0, 300), outsideInt(p.Pwr, 0, 3000):
		return DropSensor
	}
	return ""
}

func outside(v *float64, lo, hi float64) bool {
	return v != nil && (math.IsNaN(*v) || *v < lo || *v > hi)
}

func outsideInt(v *int, lo, hi int) bool { return v != nil && (*v < lo || *v > hi) }

// Distance is the great-circle distance in metres between two points on
// the WGS84 mean sphere (haversine). Route lengths are computed on the
// ellipsoid by PostGIS; this is for plausibility checks and live stats.
func Distance(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371008.8 // mean Earth radius, m
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ := φ2 - φ1
	dλ := (lon2 - lon1) * math.Pi / 180
	a := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
