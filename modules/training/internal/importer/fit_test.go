package importer

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
)

func TestFITRunFenix2(t *testing.T) {
	act, _, err := ReadFIT(bytes.NewReader(open(t, "tormoder-fit__activity-small-fenix2-run.fit")))
	require.NoError(t, err)
	assert.Equal(t, "run", act.Sport)
	assert.Greater(t, len(act.Points), 2500, "2,809 records, nearly all with GPS")
	withHR := 0
	for _, p := range act.Points {
		if p.HR != nil {
			withHR++
		}
	}
	assert.Greater(t, withHR, 2500)
	s := stats.Compute(act.Points, act.Sport)
	assert.InDelta(t, 9000, s.DistanceM, 9000*0.03, "about 9.0 km")
	assert.InDelta(t, 47*60, s.ElapsedS, 180, "about 47 min")
}

func TestFITRideWithPower(t *testing.T) {
	act, _, err := ReadFIT(bytes.NewReader(open(t, "tormoder-fit__edge530-power__garmin.fit")))
	require.NoError(t, err)
	assert.Equal(t, "ride", act.Sport)
	s := stats.Compute(act.Points, act.Sport)
	assert.InDelta(t, 66800, s.DistanceM, 66800*0.03, "about 66.8 km")
	require.NotNil(t, s.AvgPowerW)
	require.NotNil(t, s.NormalizedPowerW)
	assert.GreaterOrEqual(t, *s.NormalizedPowerW, *s.AvgPowerW)
}

func TestFITWithoutGPSOrChained(t *testing.T) {
	// Indoor rowing (SOURCES.md: 28.5 min, 8 laps, 1,641 records, no
	// GPS, heart rate and stroke rate; the distance only in developer
	// fields, the record's own distance 0 throughout): every record kept.
	row, skipped, err := ReadFIT(bytes.NewReader(open(t, "fitparse__rowing-devfields__20170518-191602-1740899583.fit")))
	require.NoError(t, err)
	assert.Zero(t, skipped)
	assert.Equal(t, "row", row.Sport)
	require.Len(t, row.Points, 1641)
	assert.Len(t, row.LapStarts, 8)
	for _, p := range row.Points {
		require.False(t, p.HasPosition())
		require.NotNil(t, p.HR)
		require.NotNil(t, p.Cad)
	}
	s := stats.Compute(row.Points, "row")
	assert.InDelta(t, 28.5*60, s.ElapsedS, 30)
	assert.Equal(t, s.ElapsedS, s.MovingS, "heart rate throughout, no gap: moving all along")
	assert.Zero(t, s.DistanceM, "a device distance that stays 0 measures nothing")
	require.NotNil(t, s.AvgHRBpm)
	assert.InDelta(t, 131.5, *s.AvgHRBpm, 0.5)
	assert.Equal(t, 179, *s.MaxHRBpm)

	// Chained FIT (a triathlon): the first activity is read.
	act, _, err := ReadFIT(bytes.NewReader(open(t, "fitparse__chained-triathlon__sample_mulitple_header.fit")))
	require.NoError(t, err)
	assert.NotEmpty(t, act.Points)
}

func TestFITTruncatedAndCorruptFilesAreRefusedWhole(t *testing.T) {
	for _, name := range []string{
		"fitparse__truncated-sigma__nick.fit",
		"fitparse__corrupt-midfile__strava-android-app-201.10-b1218918.fit",
	} {
		_, _, err := ReadFIT(bytes.NewReader(open(t, name)))
		var fe *FileError
		require.ErrorAs(t, err, &fe, name)
		assert.Contains(t, fe.Reason, "not a valid FIT file", name)
	}
	raw := open(t, "tormoder-fit__activity-small-fenix2-run.fit")
	for name, data := range map[string][]byte{"half": raw[:len(raw)/2], "gpx": open(t, "georust-gpx__run-hr-cad__garmin-activity.gpx"), "empty": nil} {
		_, _, err := ReadFIT(bytes.NewReader(data))
		var fe *FileError
		assert.ErrorAs(t, err, &fe, name)
	}
}
