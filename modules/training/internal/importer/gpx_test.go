package importer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/stats"
)

func open(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestGarminRunWithHeartRateAndCadence(t *testing.T) {
	act, err := ReadGPX(bytes.NewReader(open(t, "georust-gpx__run-hr-cad__garmin-activity.gpx")))
	require.NoError(t, err)
	assert.Equal(t, "run", act.Sport)
	assert.Equal(t, "casual stroll", act.Name)
	require.Len(t, act.Points, 988)
	for _, p := range act.Points {
		require.NotNil(t, p.HR, "the ns3: prefix is matched by its local name")
		require.NotNil(t, p.Cad)
		require.NotNil(t, p.Ele)
	}
	s := stats.Compute(act.Points, act.Sport)
	assert.InDelta(t, 12900, s.DistanceM, 150, "about 12.9 km")
	assert.InDelta(t, 92*60, s.ElapsedS, 120, "about 1 h 32 min")
	assert.NotNil(t, s.AvgHRBpm)
	assert.NotEmpty(t, s.BestEfforts)
}

func TestGzippedFileReadsTheSame(t *testing.T) {
	raw := open(t, "georust-gpx__run-hr-cad__garmin-activity.gpx")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	plain, err := ReadGPX(bytes.NewReader(raw))
	require.NoError(t, err)
	zipped, err := ReadGPX(&buf)
	require.NoError(t, err)
	assert.Equal(t, plain, zipped)
}

func TestStravaRideWithPower(t *testing.T) {
	act, err := ReadGPX(bytes.NewReader(open(t, "jpx__ride-power-hr-cad-strava__extensions.gpx")))
	require.NoError(t, err)
	assert.Len(t, act.Points, 314)
	assert.Empty(t, act.Sport, "the file names no type")
	withPower := 0
	for _, p := range act.Points {
		if p.Pwr != nil {
			withPower++
		}
	}
	assert.Equal(t, 314, withPower, "Strava's bare <power>")
}

func TestEtrexRideIgnoresPlaceholderCadence(t *testing.T) {
	act, err := ReadGPX(bytes.NewReader(open(t, "jpx__ride-elevation-etrex10__ISSUE-82.gpx")))
	require.NoError(t, err)
	require.Len(t, act.Points, 479)
	for _, p := range act.Points {
		assert.Nil(t, p.Cad, "cad 0 means no sensor")
		require.NotNil(t, p.Ele)
	}
	s := stats.Compute(act.Points, "ride")
	assert.InDelta(t, 17500, s.DistanceM, 300, "about 17.5 km")
}

func TestSegmentsPausesAndNonStandardExtensions(t *testing.T) {
	act, err := ReadGPX(bytes.NewReader(open(t, "togeojson__run-3seg-pauses-hr__Friday-Evening-Run.gpx")))
	require.NoError(t, err)
	assert.Equal(t, "run", act.Sport)
	require.Len(t, act.Points, 17, "three segments in one track")
	hr, cad, pwr := 0, 0, 0
	for _, p := range act.Points {
		if p.HR != nil {
			hr++
		}
		if p.Cad != nil {
			cad++
		}
		if p.Pwr != nil {
			pwr++
		}
	}
	assert.Equal(t, 13, hr)
	assert.Equal(t, 17, cad)
	assert.Positive(t, pwr, "gpxtpx:PowerExtension/PowerInWatts")
	s := stats.Compute(act.Points, act.Sport)
	assert.Less(t, s.MovingS, s.ElapsedS, "the pauses between segments are not moving time")
}

func TestSeveralTracksAndUntimedPoints(t *testing.T) {
	act, err := ReadGPX(bytes.NewReader(open(t, "gpxpy__multitrack-pauses-notimes__korita-zbevnica.gpx")))
	require.NoError(t, err)
	assert.Equal(t, 358, act.Untimed)
	assert.Len(t, act.Points, 176+337)
	assert.Empty(t, act.Sport, "junk types map to no sport")
	for i := 1; i < len(act.Points); i++ {
		require.False(t, act.Points[i].T.Before(act.Points[i-1].T), "time order")
	}
}

func TestFilesWithoutATrackAreRefusedWithTheReason(t *testing.T) {
	cases := map[string]string{
		"gpxpy__route-only__route.gpx":                            "planned route",
		"gpxgo__waypoints-only-latin1-decl__iso8859-1encoded.gpx": "no track points",
		"jpx__malformed-xml__GPX_invalid_extensions.gpx":          "not well-formed XML at line",
	}
	for name, want := range cases {
		_, err := ReadGPX(bytes.NewReader(open(t, name)))
		var fe *FileError
		require.True(t, errors.As(err, &fe), name)
		assert.Contains(t, fe.Reason, want, name)
	}
	raw := open(t, "georust-gpx__run-hr-cad__garmin-activity.gpx")
	_, err := ReadGPX(bytes.NewReader(raw[:len(raw)/2]))
	var fe *FileError
	require.ErrorAs(t, err, &fe, "a truncated file")
	for _, junk := range [][]byte{nil, []byte("hello"), []byte(`<?xml version="1.0"?><kml></kml>`), {0x1f, 0x8b, 0, 1}} {
		_, err := ReadGPX(bytes.NewReader(junk))
		assert.ErrorAs(t, err, &fe, "%q", junk)
	}
}

// BenchmarkReadGPX parses the 367 KB, 988-point Garmin file.
func BenchmarkReadGPX(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "georust-gpx__run-hr-cad__garmin-activity.gpx"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ReadGPX(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}
