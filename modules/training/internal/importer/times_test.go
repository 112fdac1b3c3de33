package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

func activityAt(times ...time.Time) Activity {
	points := make([]telemetry.Point, len(times))
	for i, t := range times {
		points[i] = telemetry.Point{T: t, Lat: 48, Lon: 11}
	}
	act := Activity{Points: points}
	act.Disorder = orderByTime(act.Points)
	return act
}

func TestCheckTimes(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return now.Add(-time.Hour + time.Duration(s)*time.Second) }
	seconds := func(n int, f func(i int) int) []time.Time {
		out := make([]time.Time, n)
		for i := range out {
			out[i] = at(f(i))
		}
		return out
	}
	// In order, or with one point a second out of place in 200: fine, and
	// put in order.
	require.NoError(t, CheckTimes(activityAt(seconds(200, func(i int) int { return i })...), now))
	act := activityAt(seconds(200, func(i int) int {
		if i == 100 {
			return 98
		}
		return i
	})...)
	assert.Equal(t, Disorder{Count: 1, MaxStep: time.Second, First: 100, From: at(99), To: at(98)}, act.Disorder)
	require.NoError(t, CheckTimes(act, now))
	for i := 1; i < len(act.Points); i++ {
		assert.False(t, act.Points[i].T.Before(act.Points[i-1].T), "ordered")
	}
	// Two tracks listed newest first do not overlap: fine, put in order.
	newestFirst := activityAt(append(seconds(100, func(i int) int { return 3600 + i }), seconds(100, func(i int) int { return i })...)...)
	assert.Zero(t, newestFirst.Disorder.Count)
	require.NoError(t, CheckTimes(newestFirst, now))
	// Two that overlap by half are refused.
	second := seconds(100, func(i int) int { return 50 + i })
	for i := range second {
		second[i] = second[i].Add(500 * time.Millisecond)
	}
	overlapping := activityAt(append(seconds(100, func(i int) int { return i }), second...)...)
	assert.Equal(t, 49, overlapping.Disorder.Count, "50.5 to 98.5 s")
	assert.ErrorContains(t, CheckTimes(overlapping, now), "49 of 200 points go back into a time the track had already covered (the first at point 101")
	// Ten in a hundred repeated is the most that passes.
	require.NoError(t, CheckTimes(activityAt(seconds(100, func(i int) int { return i - b2i(i < 20 && i%2 == 1) })...), now))
	require.Error(t, CheckTimes(activityAt(seconds(100, func(i int) int { return i - b2i(i < 24 && i%2 == 1) })...), now))
	// A minute late is fine, two hours is not.
	require.NoError(t, CheckTimes(activityAt(now.Add(-time.Minute), now.Add(time.Minute)), now))
	assert.ErrorContains(t, CheckTimes(activityAt(now, now.Add(2*time.Hour)), now), "1 of 2 points are dated in the future")
	assert.ErrorContains(t, CheckTimes(activityAt(time.Unix(0, 0), time.Unix(1, 0)), now), "before 1980-01-06")
	assert.ErrorContains(t, CheckTimes(activityAt(at(0), at(0), at(0)), now), "all 3 points have the same time")
	// One point, or none: nothing to judge.
	require.NoError(t, CheckTimes(activityAt(at(0)), now))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A refusal quotes at most a few dozen characters of the file: a 2 MB
// attribute used to come back whole in the 422 and the log (and at 20 MB
// no longer fitted a NATS reply).
func TestRefusalsQuoteLittleOfTheFile(t *testing.T) {
	huge := strings.Repeat("9", 2<<20)
	for name, doc := range map[string]string{
		"attribute": `<gpx><trk><trkseg><trkpt lat="x` + huge + `" lon="11"><time>2026-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>`,
		"element":   `<gpx><trk><trkseg><trkpt lat="48" lon="11"><ele>x` + huge + `</ele><time>2026-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>`,
		"time":      `<gpx><trk><trkseg><trkpt lat="48" lon="11"><time>x` + huge + `</time></trkpt></trkseg></trk></gpx>`,
	} {
		_, err := Read([]byte(doc))
		var fe *FileError
		require.ErrorAs(t, err, &fe, name)
		assert.LessOrEqual(t, len(fe.Reason), maxReason+len("…"), name)
		t.Logf("%s: %s", name, fe.Reason)
	}
}
