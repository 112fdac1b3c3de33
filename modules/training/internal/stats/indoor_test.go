package stats_test

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

var start = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func fp(v float64) *float64 { return &v }
func ip(v int) *int         { return &v }

// indoorPoint is a point without a position at sec.
func indoorPoint(sec int) telemetry.Point {
	return telemetry.NoPosition(telemetry.Point{T: start.Add(time.Duration(sec) * time.Second)})
}

func TestTreadmillWithDeviceDistance(t *testing.T) {
	// 10 min at 3 m/s, 1 min standing on the belt's rails, 10 min more.
	var pts []telemetry.Point
	d := 0.0
	for sec := 0; sec <= 21*60; sec++ {
		if sec > 0 && (sec <= 600 || sec > 660) {
			d += 3
		}
		p := indoorPoint(sec)
		p.Dist, p.HR, p.Cad = fp(d), ip(150), ip(170)
		pts = append(pts, p)
	}
	s := stats.Compute(pts, "run")
	assert.InDelta(t, 3600, s.DistanceM, 1e-9)
	assert.InDelta(t, 1260, s.ElapsedS, 1e-9)
	assert.InDelta(t, 1200, s.MovingS, 1e-9, "the minute without distance is a pause, heart rate or not")
	assert.InDelta(t, 3, s.MaxSpeedMps, 1e-9)
	assert.InDelta(t, 150, *s.AvgHRBpm, 1e-9)
	assert.InDelta(t, 170, *s.AvgCadence, 1e-9)
	assert.Len(t, s.SplitsKm, 4)

	// The live figures, batch by batch, agree.
	var l stats.Live
	for i := 0; i < len(pts); i += 13 {
		l.Add(pts[i:min(i+13, len(pts))], "run")
	}
	assert.InDelta(t, s.DistanceM, l.DistanceM, 1e-9)
	assert.InDelta(t, s.MovingS, l.MovingS, 1e-9)
	assert.False(t, l.Odometer.HasPos)
}

func TestTreadmillWithSpeedOnly(t *testing.T) {
	var pts []telemetry.Point
	for sec := 0; sec <= 600; sec += 2 {
		p := indoorPoint(sec)
		p.Speed = fp(2.5)
		pts = append(pts, p)
	}
	s := stats.Compute(pts, "run")
	assert.InDelta(t, 1500, s.DistanceM, 1e-9, "the belt's speed times the time")
	assert.InDelta(t, 600, s.MovingS, 1e-9)
}

func TestStrengthAndTrainerSessionsMoveBySensors(t *testing.T) {
	// Heart rate for 10 min, a 6-minute gap (a pause), 5 min more; then a
	// trainer ride with power only.
	var pts []telemetry.Point
	for sec := 0; sec <= 600; sec += 5 {
		p := indoorPoint(sec)
		p.HR = ip(110 + sec%20)
		pts = append(pts, p)
	}
	for sec := 960; sec <= 1260; sec += 5 {
		p := indoorPoint(sec)
		p.HR = ip(120)
		pts = append(pts, p)
	}
	s := stats.Compute(pts, "strength")
	assert.InDelta(t, 1260, s.ElapsedS, 1e-9)
	assert.InDelta(t, 900, s.MovingS, 1e-9)
	assert.Zero(t, s.DistanceM)
	assert.Zero(t, s.MaxSpeedMps)
	assert.Empty(t, s.SplitsKm)
	require.NotNil(t, s.AvgHRBpm)

	var ride []telemetry.Point
	for sec := 0; sec <= 3600; sec++ {
		p := indoorPoint(sec)
		p.Pwr = ip(200)
		ride = append(ride, p)
	}
	r := stats.Compute(ride, "ride")
	assert.InDelta(t, 3600, r.MovingS, 1e-9)
	assert.InDelta(t, 200, *r.AvgPowerW, 1e-9)
	require.NotNil(t, r.NormalizedPowerW)
	assert.InDelta(t, 200, *r.NormalizedPowerW, 1e-6)

	// Points with nothing to tell (a lap marker alone) don't count as moving.
	quiet := []telemetry.Point{indoorPoint(0), indoorPoint(60)}
	assert.Zero(t, stats.Compute(quiet, "strength").MovingS)
}

// A run that loses GPS in a tunnel: the distance across the tunnel is the
// one between its two ends, and the heart rate inside keeps it moving.
func TestTunnelBridgesTheGap(t *testing.T) {
	const mPerDegLat = 111_257.0
	var pts []telemetry.Point
	for sec := 0; sec <= 600; sec++ {
		p := telemetry.Point{T: start.Add(time.Duration(sec) * time.Second), Lat: 52.5 + float64(sec)*3/mPerDegLat, Lon: 13.4, HR: ip(150)}
		if sec > 200 && sec < 260 {
			p = telemetry.NoPosition(p)
		}
		pts = append(pts, p)
	}
	s := stats.Compute(pts, "run")
	assert.InDelta(t, 1800, s.DistanceM, 5)
	assert.InDelta(t, 600, s.MovingS, 1e-9)
	assert.InDelta(t, 3, s.MaxSpeedMps, 0.05, "the bridge is no speed")

	var l stats.Live
	for i := 0; i < len(pts); i += 17 {
		l.Add(pts[i:min(i+17, len(pts))], "run")
	}
	assert.InDelta(t, s.DistanceM, l.DistanceM, 1e-6)
	assert.InDelta(t, s.MovingS, l.MovingS, 1e-9)
	assert.True(t, l.Odometer.HasPos)
	assert.Equal(t, pts[600].Lat, l.Odometer.Lat)

	// A footpod in the tunnel that measures more than the bridge counts
	// instead; one that measures less (a GPS watch's distance, standing
	// still without a fix) does not.
	for i := 201; i < 260; i++ {
		pts[i].Speed = fp(4)
	}
	// 59 points at 4 m/s counted a second each, from 201 to 260; the
	// segment 200→201 is positioned→not, without a device distance at 200.
	s2 := stats.Compute(pts, "run")
	assert.InDelta(t, 1800-60*3+59*4, s2.DistanceM, 5)
	for i := 201; i < 260; i++ {
		pts[i].Speed = fp(1)
	}
	assert.InDelta(t, 1800, stats.Compute(pts, "run").DistanceM, 5)
}

// Live figures of a session started before indoor points existed (binary
// format 1) are still read, and format 2 keeps what indoor points need.
func TestLiveBinaryFormats(t *testing.T) {
	// Format 1, as the previous release wrote it: a positioned last point
	// with a heart rate.
	b := []byte{1}
	b = binary.LittleEndian.AppendUint64(b, 600)
	b = binary.LittleEndian.AppendUint64(b, uint64(start.UnixNano()))
	for _, f := range []float64{1797.5, 599, 3.1, 12, 3.5} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	b = append(b, 0) // no climb reference
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint64(b, uint64(start.Add(599*time.Second).UnixNano()))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(52.51))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(13.4))
	b = append(b, 0) // no elevation
	b = binary.LittleEndian.AppendUint32(append(b, 1), 151)
	var old stats.Live
	require.NoError(t, old.UnmarshalBinary(b))
	assert.Equal(t, 600, old.Points)
	assert.Equal(t, 151, *old.Last.HR)
	assert.Equal(t, stats.Odometer{HasPos: true, Lat: 52.51, Lon: 13.4}, old.Odometer, "the position of format 1's last point")

	// Format 2 with an indoor last point.
	l := stats.Live{Points: 3, First: start, DistanceM: 30, MovingS: 10, Odometer: stats.Odometer{HasPos: true, Lat: 52.5, Lon: 13.4, StretchM: 12.5}}
	last := indoorPoint(10)
	last.Dist, last.Speed, last.Pwr, last.Cad, last.HR = fp(30), fp(3), ip(250), ip(90), ip(160)
	l.Last = &last
	enc, err := l.MarshalBinary()
	require.NoError(t, err)
	var got stats.Live
	require.NoError(t, got.UnmarshalBinary(enc))
	assert.Equal(t, l.Odometer, got.Odometer)
	assert.False(t, got.Last.HasPosition())
	assert.Equal(t, 30.0, *got.Last.Dist)
	assert.Equal(t, 3.0, *got.Last.Speed)
	assert.Equal(t, 250, *got.Last.Pwr)
	assert.Equal(t, 90, *got.Last.Cad)
	assert.Equal(t, 160, *got.Last.HR)
	assert.Error(t, got.UnmarshalBinary(append([]byte{3}, enc[1:]...)), "an unknown format")
}
