package importer

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
)

// TestExportImportGivesTheSameStats: import(export(x)) has x's figures, for
// a GPX run with heart rate, a FIT ride with power and a TCX run.
func TestExportImportGivesTheSameStats(t *testing.T) {
	gpxRun, err := ReadGPX(bytes.NewReader(open(t, "georust-gpx__run-hr-cad__garmin-activity.gpx")))
	require.NoError(t, err)
	fitRide, _, err := ReadFIT(bytes.NewReader(open(t, "tormoder-fit__edge530-power__garmin.fit")))
	require.NoError(t, err)
	tcxRun, _, err := ReadTCX(bytes.NewReader(open(t, "tcxparser__run-hr-3laps__test.tcx")))
	require.NoError(t, err)

	for name, act := range map[string]Activity{"gpx run": gpxRun, "fit ride": fitRide, "tcx run": tcxRun} {
		var buf bytes.Buffer
		require.NoError(t, WriteGPX(&buf, "Morning <run> & more", act.Sport, act.Points), name)
		back, err := ReadGPX(&buf)
		require.NoError(t, err, name)
		assert.Equal(t, act.Sport, back.Sport, name)
		assert.Equal(t, "Morning <run> & more", back.Name, name)
		require.Len(t, back.Points, len(act.Points), name)

		want, got := stats.Compute(act.Points, act.Sport), stats.Compute(back.Points, back.Sport)
		assert.InDelta(t, want.DistanceM, got.DistanceM, 0.5, name+": distance (7 decimals of a degree is 1 cm)")
		assert.Equal(t, want.ElapsedS, got.ElapsedS, name)
		assert.InDelta(t, want.MovingS, got.MovingS, 2, name)
		assert.InDelta(t, want.ElevationGainM, got.ElevationGainM, 1, name)
		assert.Equal(t, want.MaxHRBpm, got.MaxHRBpm, name)
		if want.AvgPowerW != nil {
			require.NotNil(t, got.AvgPowerW, name)
			assert.InDelta(t, *want.AvgPowerW, *got.AvgPowerW, 0.01, name)
		}
		assert.Len(t, got.SplitsKm, len(want.SplitsKm), name)
	}
}
