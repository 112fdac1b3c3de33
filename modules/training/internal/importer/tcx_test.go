package importer

import (
	"bytes"
	"testing"

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
