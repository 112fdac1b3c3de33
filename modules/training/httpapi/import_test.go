package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// The real workout files of the importer's tests (see its testdata/SOURCES.md).
func workoutFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "importer", "testdata", name))
	require.NoError(t, err)
	return b
}

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func TestImportWorkoutFiles(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)
	sessions := func() int {
		var n int
		require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.sessions").Scan(&n))
		return n
	}

	gpx := workoutFile(t, "georust-gpx__run-hr-cad__garmin-activity.gpx")
	r := a.Upload("/v1/sessions/import", ana, map[string]string{"sport": "run"}, "file", "garmin.gpx", gpx)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res api.ImportResult
	r.JSON(t, &res)
	assert.Equal(t, "gpx", res.Format)
	s := res.Session
	assert.Equal(t, "finished", s.State)
	assert.Equal(t, "gpx", s.Source)
	assert.Equal(t, "run", s.Sport)
	require.NotNil(t, s.Summary)
	assert.Greater(t, s.Summary.Points, 900)
	assert.Greater(t, s.Summary.DistanceM, 1000.0)
	require.NotNil(t, s.Summary.AvgHRBpm)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/sessions/"+s.ID+"/route", ana, nil).Status)

	// The same file again, even gzipped, is the same workout: 409 naming it.
	r = a.Upload("/v1/sessions/import", ana, nil, "file", "garmin.gpx.gz", gzipped(t, gpx))
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t).Detail, s.ID)
	// Another user may import it.
	r = a.Upload("/v1/sessions/import", bob, nil, "file", "garmin.gpx", gpx)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))

	// TCX and FIT, gzipped or not; the sport comes from the file.
	for _, c := range []struct{ file, format, sport string }{
		{"tcxparser__run-hr-3laps__test.tcx", "tcx", "run"},
		{"tormoder-fit__edge530-power__garmin.fit", "fit", "ride"},
		{"jpx__ride-power-hr-cad-strava__extensions.gpx", "gpx", ""},
	} {
		content := workoutFile(t, c.file)
		if c.format == "fit" {
			content = gzipped(t, content)
		}
		r := a.Upload("/v1/sessions/import", ana, nil, "file", c.file, content)
		require.Equal(t, http.StatusCreated, r.Status, c.file+": "+string(r.Body))
		var res api.ImportResult
		r.JSON(t, &res)
		assert.Equal(t, c.format, res.Format, c.file)
		if c.sport != "" {
			assert.Equal(t, c.sport, res.Session.Sport, c.file)
		}
		assert.Positive(t, res.Session.Summary.DistanceM, c.file)
	}

	// Files that cannot be used: 422 with the reason, nothing stored.
	before := sessions()
	for _, c := range []struct {
		name    string
		content []byte
		reason  string
	}{
		{"truncated.fit", workoutFile(t, "fitparse__truncated-sigma__nick.fit"), ""},
		{"corrupt.fit", workoutFile(t, "fitparse__corrupt-midfile__strava-android-app-201.10-b1218918.fit"), ""},
		{"malformed.gpx", workoutFile(t, "jpx__malformed-xml__GPX_invalid_extensions.gpx"), "line"},
		{"half.gpx", gpx[:len(gpx)/2], "truncated"},
		{"route-only.gpx", workoutFile(t, "gpxpy__route-only__route.gpx"), ""},
		{"waypoints.gpx", workoutFile(t, "gpxgo__waypoints-only-latin1-decl__iso8859-1encoded.gpx"), ""},
		{"notes.txt", []byte("hello"), "not a GPX, TCX or FIT file"},
		{"empty.gpx", nil, ""},
		{"bad.gz", []byte{0x1f, 0x8b, 0, 1}, "gzip"},
	} {
		r := a.Upload("/v1/sessions/import", ana, nil, "file", c.name, c.content)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, c.name+": "+string(r.Body))
		p := r.Problem(t)
		assert.Equal(t, []string{"body.file"}, p.Fields(), c.name)
		if c.reason != "" {
			assert.Contains(t, p.Errors[0].Reason, c.reason, c.name)
		}
	}
	assert.Equal(t, before, sessions(), "refused files store nothing")

	// Malformed requests.
	r = a.Upload("/v1/sessions/import", ana, map[string]string{"sport": "chess"}, "file", "garmin.gpx", gpx)
	assert.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	r = a.Upload("/v1/sessions/import", ana, nil, "", "", nil)
	assert.Equal(t, http.StatusBadRequest, r.Status, "no file: "+string(r.Body))
	r = a.Do(http.MethodPost, "/v1/sessions/import", ana, `{"file": "x"}`)
	assert.Equal(t, http.StatusBadRequest, r.Status, "not multipart: "+string(r.Body))
	r = a.Upload("/v1/sessions/import", "", nil, "file", "garmin.gpx", gpx)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	r = a.Upload("/v1/sessions/import", ana, nil, "file", "huge.gpx", bytes.Repeat([]byte(strings.Repeat(" ", 1023)+"\n"), 26<<10))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
	assert.Equal(t, before, sessions())
}

// Every file of the shared workout set goes through the import: the usable
// ones become sessions whose distance (on the ellipsoid, in Go) agrees with
// PostGIS's length of the stored route within 0.5%, the others are refused
// with 422 and the reason. (Points impossible for the sport are dropped as
// in live telemetry: the Forerunner 305 "run" ends with a kilometre at 14-18
// m/s, in a vehicle, which the session does not count.)
func TestImportEveryFileOfTheSharedSet(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	ctx := context.Background()
	db := a.DB(t)
	refused := map[string]string{
		"fitparse__corrupt-midfile__strava-android-app-201.10-b1218918.fit": "message definition missing",
		"fitparse__truncated-sigma__nick.fit":                               "EOF",
		"gpxgo__waypoints-only-latin1-decl__iso8859-1encoded.gpx":           "no track points",
		"gpxpy__route-only__route.gpx":                                      "planned route",
		"jpx__malformed-xml__GPX_invalid_extensions.gpx":                    "line 39",
	}
	files, err := filepath.Glob(filepath.Join("..", "internal", "importer", "testdata", "*__*"))
	require.NoError(t, err)
	require.Len(t, files, 20)
	for _, path := range files {
		name := filepath.Base(path)
		r := a.Upload("/v1/sessions/import", ana, nil, "file", name, workoutFile(t, name))
		if reason, ok := refused[name]; ok {
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, name+": "+string(r.Body))
			assert.Contains(t, r.Problem(t).Errors[0].Reason, reason, name)
			continue
		}
		require.Equal(t, http.StatusCreated, r.Status, name+": "+string(r.Body))
		var res api.ImportResult
		r.JSON(t, &res)
		if name == "fitparse__rowing-devfields__20170518-191602-1740899583.fit" {
			// Indoor rowing, no GPS: a session without a route.
			assert.Equal(t, "row", res.Session.Sport)
			assert.Equal(t, 1641, res.Session.Summary.Points)
			assert.Empty(t, res.Session.Summary.MapPolyline)
			var routes int
			require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM training.routes WHERE session_id = $1`, res.Session.ID).Scan(&routes))
			assert.Zero(t, routes)
			continue
		}
		var length float64
		require.NoError(t, db.QueryRow(ctx, `SELECT ST_Length(path) FROM training.routes WHERE session_id = $1`, res.Session.ID).Scan(&length))
		assert.InEpsilon(t, length, res.Session.Summary.DistanceM, 0.005, name)
		t.Logf("%s: %s, %d points, %.0f m (PostGIS %.0f m), moving %.0f s", name, res.Session.Sport, res.Session.Summary.Points,
			res.Session.Summary.DistanceM, length, res.Session.Summary.MovingTimeS)
	}
}

// A long name of multi-byte characters is cut between characters.
func TestImportCutsALongNameBetweenCharacters(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	points := make([]telemetry.Point, 60)
	for i := range points {
		points[i] = telemetry.Point{T: start.Add(time.Duration(i) * time.Second), Lat: 48.1 + float64(i)*2.7e-5, Lon: 11.5}
	}
	var buf bytes.Buffer
	require.NoError(t, importer.WriteGPX(&buf, strings.Repeat("€", 250), "run", points))
	r := a.Upload("/v1/sessions/import", ana, nil, "file", "euro.gpx", buf.Bytes())
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res api.ImportResult
	r.JSON(t, &res)
	assert.Equal(t, strings.Repeat("€", 200), res.Session.Title)
	r = a.Upload("/v1/sessions/import", ana, map[string]string{"title": strings.Repeat("ж", 150)}, "file", "other.gpx", workoutFile(t, "tcxparser__run-hr-3laps__test.tcx"))
	require.Equal(t, http.StatusCreated, r.Status, "150 characters are allowed, whatever their bytes: "+string(r.Body))
}
