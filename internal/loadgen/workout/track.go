package workout

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"time"
)

// Point is one telemetry sample in the app's compact format (docs/configuration.md, Real-time).
// It encodes t as RFC 3339 UTC with milliseconds, and rounds the figures
// as a phone would send them (positions to about a centimetre).
type Point struct {
	T   time.Time
	Lat float64
	Lon float64
	Ele float64 // m above sea level
	Acc float64 // horizontal accuracy, m
	HR  int     // bpm
	Cad int     // steps/min
}

// TimeLayout is how a point's time is written: RFC 3339, milliseconds, UTC.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON writes the point as the app does.
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		T   string  `json:"t"`
		Lat float64 `json:"lat"`
		Lon float64 `json:"lon"`
		Ele float64 `json:"ele"`
		Acc float64 `json:"acc"`
		HR  int     `json:"hr"`
		Cad int     `json:"cad"`
	}{
		T:   p.T.UTC().Format(TimeLayout),
		Lat: round(p.Lat, 1e7), Lon: round(p.Lon, 1e7),
		Ele: round(p.Ele, 10), Acc: round(p.Acc, 10),
		HR: p.HR, Cad: p.Cad,
	})
}

func round(x, scale float64) float64 { return math.Round(x*scale) / scale }

// Message is one telemetry message: many points.
type Message struct {
	Points []Point `json:"points"`
}

// The bounds of the simulated athletes: each runs at its own steady speed,
// drawn between BaseSpeedMin and BaseSpeedMax, that varies by at most
// SpeedVariation either way; heart rate stays within MinHR..MaxHR.
const (
	BaseSpeedMin   = 2.8 // m/s
	BaseSpeedMax   = 3.5 // m/s
	SpeedVariation = 0.3 // m/s
	MinSpeed       = BaseSpeedMin - SpeedVariation
	MaxSpeed       = BaseSpeedMax + SpeedVariation
	MinHR          = 120 // bpm
	MaxHR          = 170 // bpm
	// MaxJitter bounds the GPS error added to the true position, per axis.
	MaxJitter = 8.0 // m
)

// City is a place where simulated athletes run.
type City struct {
	Name     string
	Lat, Lon float64
	Ele      float64 // typical elevation, m
}

// Cities the athletes are spread over, each starting within a few
// kilometres of one of them.
var Cities = []City{
	{"Berlin", 52.5163, 13.3777, 34},
	{"London", 51.5072, -0.1276, 11},
	{"Paris", 48.8566, 2.3522, 35},
	{"Madrid", 40.4168, -3.7038, 657},
	{"New York", 40.7812, -73.9665, 20},
	{"São Paulo", -23.5874, -46.6576, 760},
	{"Nairobi", -1.2921, 36.8219, 1795},
	{"Tokyo", 35.6852, 139.7528, 40},
	{"Sydney", -33.8688, 151.2093, 20},
	{"Boulder", 40.0150, -105.2705, 1655},
}

const earthRadius = 6371008.8 // m, mean radius (as the server's haversine)

// Track simulates one athlete running laps of a loop near a city and
// produces the points a phone would record. The loop is a wobbly circle
// (radius 400–1500 m) whose shape, hills and starting place are random;
// the runner's speed drifts around its own steady pace, GPS error drifts
// slowly (as real receivers' does, so consecutive points stay plausible),
// elevation follows the hills, and heart rate follows pace, grade and
// fatigue with a lag. A Track is deterministic for a given random source
// and sequence of times, and not safe for concurrent use.
type Track struct {
	rng *rand.Rand

	// The loop: centre, and radius r(θ) = radius·(1 + a1·sin(θ+p1) +
	// a3·sin(3θ+p3)) around it.
	lat0, lon0     float64
	radius         float64
	a1, p1, a3, p3 float64
	dir            float64 // +1 anticlockwise, -1 clockwise
	// Hills: elevation along the loop, ele0 + h1·sin(θ+q1) + h2·sin(2θ+q2).
	ele0, h1, q1, h2, q2 float64

	theta     float64 // position on the loop
	baseSpeed float64
	speed     float64 // current true speed, m/s
	jx, jy    float64 // GPS error east and north, m
	vx, vy    float64 // and its rate of change, m/s
	eleNoise  float64 // barometric noise, m
	hr        float64
	elapsed   time.Duration
	last      time.Time
	started   bool
}

// NewTrack returns a new athlete's track near a random city.
func NewTrack(rng *rand.Rand) *Track {
	c := Cities[rng.IntN(len(Cities))]
	t := &Track{rng: rng}
	// The loop's centre is within about 5 km of the city centre.
	dn, de := (rng.Float64()*2-1)*5000, (rng.Float64()*2-1)*5000
	t.lat0 = c.Lat + dn/earthRadius*180/math.Pi
	t.lon0 = c.Lon + de/(earthRadius*math.Cos(c.Lat*math.Pi/180))*180/math.Pi
	t.radius = 400 + rng.Float64()*1100
	t.a1, t.p1 = rng.Float64()*0.15, rng.Float64()*2*math.Pi
	t.a3, t.p3 = rng.Float64()*0.06, rng.Float64()*2*math.Pi
	t.dir = 1
	if rng.IntN(2) == 0 {
		t.dir = -1
	}
	t.ele0 = c.Ele
	t.h1, t.q1 = 5+rng.Float64()*20, rng.Float64()*2*math.Pi
	t.h2, t.q2 = 2+rng.Float64()*6, rng.Float64()*2*math.Pi
	t.theta = rng.Float64() * 2 * math.Pi
	t.baseSpeed = BaseSpeedMin + rng.Float64()*(BaseSpeedMax-BaseSpeedMin)
	t.speed = t.baseSpeed
	t.jx, t.jy = rng.NormFloat64()*2, rng.NormFloat64()*2
	t.jx, t.jy = min(max(t.jx, -MaxJitter), MaxJitter), min(max(t.jy, -MaxJitter), MaxJitter)
	t.hr = MinHR + rng.Float64()*5
	return t
}

// r returns the loop's radius at θ and its derivative.
func (t *Track) r(theta float64) (r, dr float64) {
	r = t.radius * (1 + t.a1*math.Sin(theta+t.p1) + t.a3*math.Sin(3*theta+t.p3))
	dr = t.radius * (t.a1*math.Cos(theta+t.p1) + 3*t.a3*math.Cos(3*theta+t.p3))
	return r, dr
}

// elevation is the hill's height at θ, without noise.
func (t *Track) elevation(theta float64) float64 {
	return t.ele0 + t.h1*math.Sin(theta+t.q1) + t.h2*math.Sin(2*theta+t.q2)
}

// Speed is the runner's current true speed, m/s.
func (t *Track) Speed() float64 { return t.speed }

// Position is the runner's current true position (without GPS error).
func (t *Track) Position() (lat, lon float64) {
	r, _ := t.r(t.theta)
	return t.toLatLon(r*math.Cos(t.theta), r*math.Sin(t.theta))
}

// toLatLon converts metres east and north of the loop's centre.
func (t *Track) toLatLon(x, y float64) (lat, lon float64) {
	lat = t.lat0 + y/earthRadius*180/math.Pi
	lon = t.lon0 + x/(earthRadius*math.Cos(t.lat0*math.Pi/180))*180/math.Pi
	return lat, lon
}

// Next moves the runner on to time at and returns the point recorded
// then. The first call gives the starting point; later times must not go
// back (a time at or before the previous one moves nothing).
func (t *Track) Next(at time.Time) Point {
	if t.started {
		dt := at.Sub(t.last)
		// Long gaps move in steps of at most a second, so the
		// random processes and the lap geometry stay smooth.
		for dt > 0 {
			step := min(dt, time.Second)
			t.step(step.Seconds())
			dt -= step
		}
		if at.After(t.last) {
			t.elapsed += at.Sub(t.last)
		}
	}
	if !t.started || at.After(t.last) {
		t.last = at
	}
	t.started = true

	r, _ := t.r(t.theta)
	lat, lon := t.toLatLon(r*math.Cos(t.theta)+t.jx, r*math.Sin(t.theta)+t.jy)
	acc := 3 + math.Hypot(t.jx, t.jy)*0.8 + t.rng.Float64()
	hr := min(max(int(math.Round(t.hr+t.rng.NormFloat64()*0.5)), MinHR), MaxHR)
	cad := int(math.Round(150 + 9*t.speed + t.rng.NormFloat64()*1.5))
	return Point{T: at, Lat: lat, Lon: lon, Ele: t.elevation(t.theta) + t.eleNoise, Acc: acc, HR: hr, Cad: cad}
}

// step advances every process by dt seconds (0 < dt ≤ 1).
func (t *Track) step(dt float64) {
	sq := math.Sqrt(dt)
	// Speed: mean-reverting towards the runner's pace (about 20 s), kept
	// within SpeedVariation of it.
	t.speed += (t.baseSpeed-t.speed)*dt/20 + 0.06*sq*t.rng.NormFloat64()
	t.speed = min(max(t.speed, t.baseSpeed-SpeedVariation), t.baseSpeed+SpeedVariation)

	// Along the loop: ds/dθ = √(r² + r'²).
	eleBefore := t.elevation(t.theta)
	r, dr := t.r(t.theta)
	ds := t.speed * dt
	t.theta = math.Mod(t.theta+t.dir*ds/math.Hypot(r, dr)+2*math.Pi, 2*math.Pi)
	grade := (t.elevation(t.theta) - eleBefore) / ds

	// GPS error: on each axis, a drift whose velocity is itself random
	// (an Ornstein-Uhlenbeck process, 4 s correlation time, 0.3 m/s),
	// pulled back to the true position over about 20 s: a few metres
	// off, and smooth, as a phone's filtered fixes are.
	const tauV, sigmaV, tau = 4.0, 0.3, 20.0
	k := sigmaV * math.Sqrt(2*dt/tauV)
	t.vx += -t.vx*dt/tauV + k*t.rng.NormFloat64()
	t.vy += -t.vy*dt/tauV + k*t.rng.NormFloat64()
	t.jx, t.vx = drift(t.jx, t.vx, dt, tau)
	t.jy, t.vy = drift(t.jy, t.vy, dt, tau)
	t.eleNoise = min(max(t.eleNoise*(1-dt/10)+0.1*sq*t.rng.NormFloat64(), -1), 1)

	// Heart rate follows effort with a 20 s lag: pace, grade (+3 bpm
	// per % uphill) and a slow cardiac drift (+1 bpm every 5 minutes).
	target := MinHR + (t.speed-MinSpeed)/(MaxSpeed-MinSpeed)*35 +
		300*grade + t.elapsed.Minutes()/5
	target = min(max(target, MinHR), MaxHR)
	t.hr += (target - t.hr) * dt / 20
	t.hr = min(max(t.hr, MinHR), MaxHR)
}

// drift moves one axis of the GPS error by its velocity v over dt, pulled
// back towards 0 with time constant tau, and keeps it within MaxJitter
// (stopping there).
func drift(j, v, dt, tau float64) (float64, float64) {
	j += v*dt - j*dt/tau
	if math.Abs(j) > MaxJitter {
		return math.Copysign(MaxJitter, j), 0
	}
	return j, v
}
