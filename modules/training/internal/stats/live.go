package stats

import (
	"encoding/binary"
	"errors"
	"math"
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
	// Odometer measures the distance (with or without positions); its
	// latest position is the one watchers see.
	Odometer Odometer `json:"odometer"`
	// SpeedMps is the current speed: the device's when the latest point
	// carries one, else that of the latest segment.
	SpeedMps float64 `json:"speed_mps"`
}

// Add counts points (in time order, as telemetry.Filter returns them) of a
// session of sport, skipping those not after the latest counted.
func (l *Live) Add(points []telemetry.Point, sport string) {
	for i := range points {
		p := points[i]
		if l.Last != nil && !p.T.After(l.Last.T) {
			continue
		}
		l.Points++
		if l.Last == nil {
			l.First = p.T
			l.Odometer.See(p)
		} else {
			a := l.Last
			seg := l.Odometer.Step(*a, p)
			dt := p.T.Sub(a.T)
			l.DistanceM += seg.DistanceM
			if Moving(seg, *a, dt, sport) {
				l.MovingS += dt.Seconds()
			}
			l.SpeedMps = 0
			if seg.Measured {
				l.SpeedMps = seg.DistanceM / dt.Seconds()
			}
		}
		if p.Speed != nil {
			l.SpeedMps = *p.Speed
		}
		if p.Ele != nil {
			l.Climb.Add(*p.Ele)
		}
		// Keep only what the next point needs: position, time, altitude,
		// the device's distance and speed, and the sensors watchers see.
		l.Last = &telemetry.Point{T: p.T, Lat: p.Lat, Lon: p.Lon, Ele: p.Ele, HR: p.HR, Pwr: p.Pwr, Cad: p.Cad, Dist: p.Dist, Speed: p.Speed}
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

// liveFormat is the version byte of Live's binary form: 2 since points
// may come without a position (the odometer, and the latest point's device
// distance, speed, power and cadence); 1 is still read.
const liveFormat = 2

// MarshalBinary encodes the running figures compactly: they are read and
// written for every session of every ingest batch, where JSON cost more
// than the rest of the batch's Go work.
func (l Live) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 160)
	b = append(b, liveFormat)
	b = binary.LittleEndian.AppendUint64(b, uint64(l.Points))
	first := int64(0) // no point yet
	if !l.First.IsZero() {
		first = l.First.UnixNano()
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(first))
	for _, f := range []float64{l.DistanceM, l.MovingS, l.SpeedMps, l.Climb.GainM, l.Climb.LossM} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	b = appendOptFloat(b, l.Climb.Ref)
	b = append(b, flag(l.Odometer.HasPos))
	for _, f := range []float64{l.Odometer.Lat, l.Odometer.Lon, l.Odometer.StretchM} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	if l.Last == nil {
		return append(b, 0), nil
	}
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint64(b, uint64(l.Last.T.UnixNano()))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(l.Last.Lat))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(l.Last.Lon))
	b = appendOptFloat(b, l.Last.Ele)
	b = appendOptFloat(b, l.Last.Dist)
	b = appendOptFloat(b, l.Last.Speed)
	b = appendOptInt(b, l.Last.Pwr)
	b = appendOptInt(b, l.Last.Cad)
	return appendOptInt(b, l.Last.HR), nil
}

func flag(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func appendOptInt(b []byte, v *int) []byte {
	if v == nil {
		return append(b, 0)
	}
	return binary.LittleEndian.AppendUint32(append(b, 1), uint32(int32(*v)))
}

func appendOptFloat(b []byte, v *float64) []byte {
	if v == nil {
		return append(b, 0)
	}
	return binary.LittleEndian.AppendUint64(append(b, 1), math.Float64bits(*v))
}

// errLiveFormat is returned for bytes MarshalBinary did not write.
var errLiveFormat = errors.New("stats: not live figures of a known format")

// UnmarshalBinary decodes what MarshalBinary wrote (this format or the
// one before it).
func (l *Live) UnmarshalBinary(b []byte) error {
	r := liveReader{b: b}
	format := r.byte()
	if format != 1 && format != liveFormat {
		return errLiveFormat
	}
	*l = Live{Points: int(r.u64())}
	if first := int64(r.u64()); first != 0 {
		l.First = time.Unix(0, first).UTC()
	}
	l.DistanceM, l.MovingS, l.SpeedMps, l.Climb.GainM, l.Climb.LossM = r.f64(), r.f64(), r.f64(), r.f64(), r.f64()
	l.Climb.Ref = r.optF64()
	if format == liveFormat {
		l.Odometer = Odometer{HasPos: r.byte() == 1, Lat: r.f64(), Lon: r.f64(), StretchM: r.f64()}
	}
	if r.byte() == 1 {
		p := &telemetry.Point{T: time.Unix(0, int64(r.u64())).UTC(), Lat: r.f64(), Lon: r.f64(), Ele: r.optF64()}
		if format == liveFormat {
			p.Dist, p.Speed, p.Pwr, p.Cad = r.optF64(), r.optF64(), r.optInt(), r.optInt()
		} else {
			l.Odometer.See(*p) // format 1 held positioned points only
		}
		p.HR = r.optInt()
		l.Last = p
	}
	if r.bad || len(r.b) != 0 {
		return errLiveFormat
	}
	return nil
}

// liveReader reads little-endian values, remembering a short read.
type liveReader struct {
	b   []byte
	bad bool
}

func (r *liveReader) take(n int) []byte {
	if len(r.b) < n {
		r.bad = true
		r.b = nil
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *liveReader) byte() byte   { return r.take(1)[0] }
func (r *liveReader) u32() uint32  { return binary.LittleEndian.Uint32(r.take(4)) }
func (r *liveReader) u64() uint64  { return binary.LittleEndian.Uint64(r.take(8)) }
func (r *liveReader) f64() float64 { return math.Float64frombits(r.u64()) }
func (r *liveReader) optInt() *int {
	if r.byte() == 0 {
		return nil
	}
	v := int(int32(r.u32()))
	return &v
}

func (r *liveReader) optF64() *float64 {
	if r.byte() == 0 {
		return nil
	}
	v := r.f64()
	return &v
}
