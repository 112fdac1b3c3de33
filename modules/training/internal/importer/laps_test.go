package importer

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Lap starts are read from FIT lap messages and TCX <Lap StartTime>; GPX
// has no laps. (Files and licences: testdata/LICENSES.)
func TestLapStarts(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	for _, c := range []struct {
		file string
		want []time.Time
	}{
		{"tcxparser__run-hr-3laps__test.tcx", []time.Time{at("2012-12-26T21:29:53Z"), at("2012-12-26T21:40:02Z"), at("2012-12-26T21:51:56Z")}},
		{"jovandeginste-tcx__run-forerunner305__sample.tcx", []time.Time{at("2007-08-07T02:42:41Z")}},
		{"tormoder-fit__activity-small-fenix2-run.fit", []time.Time{at("2015-08-15T14:45:09Z"), at("2015-08-15T14:49:40Z"),
			at("2015-08-15T15:03:37Z"), at("2015-08-15T15:16:16Z")}},
		{"georust-gpx__run-hr-cad__garmin-activity.gpx", nil},
	} {
		data, err := os.ReadFile("testdata/" + c.file)
		require.NoError(t, err)
		f, err := Read(data)
		require.NoError(t, err, c.file)
		assert.Equal(t, c.want, f.LapStarts, c.file)
	}
}
