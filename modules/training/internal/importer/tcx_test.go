package importer

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
)

func TestTCXRunWithHeartRateAndLaps(t *testing.T) {
	act, noPos, err := ReadTCX(bytes.NewReader(open(t, "tcxparser__run-hr-3laps__test.tcx")))
	require.NoError(t, err)
	assert.Equal(t, "run", act.Sport)
	assert.Len(t, act.Points, 383, "the last trackpoint has only a time")
	assert.Equal(t, 1, noPos)
	for _, p := range act.Points {
		require.NotNil(t, p.HR)
		require.NotNil(t, p.Ele)
	}
	s := stats.Compute(act.Points, act.Sport)
	// The laps the device recorded: 1609 + 1609 + 1471 m.
	assert.InDelta(t, 4689, s.DistanceM, 4689*0.01)
	require.NotNil(t, s.MaxHRBpm)

	noHR, _, err := ReadTCX(bytes.NewReader(open(t, "tcxparser__run-no-hr__no_hr.tcx")))
	require.NoError(t, err)
	require.Len(t, noHR.Points, len(act.Points), "the same activity without heart rate")
	for i, p := range noHR.Points {
		assert.Nil(t, p.HR)
		assert.Equal(t, act.Points[i].Lat, p.Lat)
	}
}

func TestTCXSeveralTracksInALap(t *testing.T) {
	act, noPos, err := ReadTCX(bytes.NewReader(open(t, "jovandeginste-tcx__run-forerunner305__sample.tcx")))
	require.NoError(t, err)
	assert.Len(t, act.Points, 379-6)
	assert.Equal(t, 6, noPos, "trackpoints with a time only")
	s := stats.Compute(act.Points, act.Sport)
	assert.InDelta(t, 8350, s.DistanceM, 8350*0.02, "the lap says 8.35 km")
	assert.Nil(t, s.AvgHRBpm, "no trackpoint has heart rate")
}

func TestTCXRefusals(t *testing.T) {
	raw := open(t, "tcxparser__run-hr-3laps__test.tcx")
	for name, data := range map[string][]byte{
		"truncated": raw[:len(raw)/3],
		"gpx":       open(t, "georust-gpx__run-hr-cad__garmin-activity.gpx"),
		"empty db":  []byte(`<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"/>`),
		"garbage":   []byte("<<<"),
	} {
		_, _, err := ReadTCX(bytes.NewReader(data))
		var fe *FileError
		assert.ErrorAs(t, err, &fe, name)
	}
}

// treadmillTCX is a treadmill run as a Garmin watch with a footpod writes
// it: trackpoints without a position, with the footpod's DistanceMeters,
// heart rate and cadence; 3 m/s for 20 minutes, a 2-minute stop, 3 m/s
// for 10 minutes, a point every 5 s, a second lap after the stop.
func treadmillTCX() []byte {
	start := time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
 <Activities><Activity Sport="Running"><Id>2026-11-20T18:00:00Z</Id>
`)
	dist := 0.0
	for sec := 0; sec <= 32*60; sec += 5 {
		if sec == 0 || sec == 22*60 {
			if sec > 0 {
				b.WriteString("</Track></Lap>\n")
			}
			fmt.Fprintf(&b, `<Lap StartTime="%s"><TotalTimeSeconds>0</TotalTimeSeconds><Track>`+"\n", start.Add(time.Duration(sec)*time.Second).Format(time.RFC3339))
		}
		if sec > 0 && (sec <= 20*60 || sec > 22*60) {
			dist += 15
		}
		fmt.Fprintf(&b, `<Trackpoint><Time>%s</Time><DistanceMeters>%.1f</DistanceMeters><HeartRateBpm><Value>%d</Value></HeartRateBpm><Cadence>88</Cadence></Trackpoint>`+"\n",
			start.Add(time.Duration(sec)*time.Second).Format(time.RFC3339), dist, 140+sec/120)
	}
	b.WriteString("</Track></Lap></Activity></Activities></TrainingCenterDatabase>\n")
	return b.Bytes()
}

func TestTCXTreadmillRunWithoutPositions(t *testing.T) {
	f, err := Read(treadmillTCX())
	require.NoError(t, err)
	assert.Equal(t, "run", f.Sport)
	require.Len(t, f.Points, 32*12+1)
	assert.Zero(t, f.Skipped)
	assert.Len(t, f.LapStarts, 2)
	s := stats.Compute(f.Points, f.Sport)
	assert.InDelta(t, 30*60*3, s.DistanceM, 0.01, "the footpod's distance")
	assert.InDelta(t, 32*60, s.ElapsedS, 0.01)
	assert.InDelta(t, 30*60, s.MovingS, 0.01, "the stop, where the distance stands still, is not moving")
	assert.InDelta(t, 3, s.AvgSpeedMps, 0.001)
	assert.Len(t, s.SplitsKm, 6, "5 km and 400 m")
	require.NotNil(t, s.AvgHRBpm)
	require.NotEmpty(t, s.BestEfforts)
	assert.InDelta(t, 1000.0/3, s.BestEfforts[1].ElapsedS, 0.01, "1 km at 3 m/s")

	// A trackpoint with only a time is skipped, as before.
	only := bytes.Replace(treadmillTCX(), []byte("<Trackpoint><Time>2026-11-20T18:00:05Z</Time><DistanceMeters>15.0</DistanceMeters><HeartRateBpm><Value>140</Value></HeartRateBpm><Cadence>88</Cadence>"),
		[]byte("<Trackpoint><Time>2026-11-20T18:00:05Z</Time>"), 1)
	f, err = Read(only)
	require.NoError(t, err)
	assert.Equal(t, 1, f.Skipped)

	// A file whose trackpoints hold nothing but times is refused.
	empty := []byte(`<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">
<Lap StartTime="2026-11-20T18:00:00Z"><Track><Trackpoint><Time>2026-11-20T18:00:00Z</Time></Trackpoint><Trackpoint><Time>2026-11-20T18:00:05Z</Time></Trackpoint></Track></Lap>
</Activity></Activities></TrainingCenterDatabase>`)
	_, err = Read(empty)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe.Reason, "no trackpoint with a time and a position or a value")
}
