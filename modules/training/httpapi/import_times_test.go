package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// gpxOf writes a GPX file of n points 3 m apart northwards, the i-th at
// at(i).
func gpxOf(t *testing.T, n int, at func(i int) time.Time) []byte {
	t.Helper()
	points := make([]telemetry.Point, n)
	for i := range points {
		points[i] = telemetry.Point{T: at(i), Lat: 48.1 + float64(i)*3/111_195, Lon: 11.5}
	}
	var buf bytes.Buffer
	require.NoError(t, importer.WriteGPX(&buf, "times", "run", points))
	return buf.Bytes()
}

// A file whose times can't place its points is refused with the reason,
// and nothing is stored: points are kept by time, so such a track used to
// collapse into a handful of points, a session of a few metres. A file
// with a few repeated times is taken, and the answer says how many points
// were left out and why.
func TestImportRefusesUnusableTimes(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	start := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	second := func(i int) time.Time { return start.Add(time.Duration(i) * time.Second) }
	for name, c := range map[string]struct {
		file []byte
		want string
	}{
		"one time for all": {gpxOf(t, 600, func(int) time.Time { return start }), "all 600 points have the same time"},
		"half repeated":    {gpxOf(t, 600, func(i int) time.Time { return second(i / 2) }), "300 of 600 points repeat the time of an earlier point"},
		"interleaved":      {gpxOf(t, 600, func(i int) time.Time { return second(i%300*2 + i/300) }), "299 of 600 points go back into a time the track had already covered"},
		"a jump back": {gpxOf(t, 600, func(i int) time.Time { return second(i).Add(-100500 * time.Millisecond * time.Duration(min(1, i/300))) }),
			"100 of 600 points go back into a time the track had already covered"},
		"before GPS":    {gpxOf(t, 600, func(i int) time.Time { return time.Unix(int64(i), 0).UTC() }), "600 of 600 points are dated before 1980-01-06"},
		"in the future": {gpxOf(t, 600, func(i int) time.Time { return second(i).Add(3 * 365 * 24 * time.Hour) }), "600 of 600 points are dated in the future"},
	} {
		r := a.Upload("/v1/sessions/import", ana, nil, "file", "times.gpx", c.file)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", name, r.Body)
		p := r.Problem(t)
		require.Equal(t, []string{"body.file"}, p.Fields(), name)
		assert.Contains(t, p.Errors[0].Reason, c.want, name)
	}
	ctx := context.Background()
	db := a.DB(t)
	var stored int
	require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.sessions").Scan(&stored))
	assert.Zero(t, stored, "nothing stored")

	// A file written backwards is only out of order: taken, in order.
	r := a.Upload("/v1/sessions/import", ana, nil, "file", "reversed.gpx", gpxOf(t, 600, func(i int) time.Time { return second(1000 - i) }))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))

	// Twenty of 600 points repeat the previous one's time: taken, with
	// the repeats left out and counted.
	few := gpxOf(t, 600, func(i int) time.Time {
		if i%30 == 29 {
			return second(i - 1)
		}
		return second(i)
	})
	r = a.Upload("/v1/sessions/import", ana, nil, "file", "few.gpx", few)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res api.ImportResult
	r.JSON(t, &res)
	assert.Equal(t, map[string]int{"duplicate_time": 20}, res.Dropped)
	require.NotNil(t, res.Session.Summary)
	assert.Equal(t, 580, res.Session.Summary.Points)
}

// Many imports at once, by several users: each is taken or answered 503
// with Retry-After (past the uploads the front passes on at once), never
// 500.
func TestConcurrentImportsAreTakenOrDeferred(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	tokens := []string{a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken, a.SignUp("eve@example.com").AccessToken}
	type answer struct {
		status int
		retry  string
	}
	answers := make(chan answer, 24)
	var wg sync.WaitGroup
	for k := range 24 {
		start := time.Now().Add(-time.Duration(48+k) * time.Hour).UTC().Truncate(time.Second)
		file := gpxOf(t, 5000, func(i int) time.Time { return start.Add(time.Duration(i) * time.Second) })
		wg.Go(func() {
			ctx := context.Background()
			var form bytes.Buffer
			w := multipart.NewWriter(&form)
			part, _ := w.CreateFormFile("file", "run.gpx")
			_, _ = part.Write(file)
			_ = w.Close()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.BaseURL+"/v1/sessions/import", &form)
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+tokens[k%len(tokens)])
			resp, err := a.Client.Do(req)
			if err != nil {
				answers <- answer{status: -1}
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answers <- answer{resp.StatusCode, resp.Header.Get("Retry-After")}
		})
	}
	wg.Wait()
	close(answers)
	taken := 0
	for ans := range answers {
		switch ans.status {
		case http.StatusCreated:
			taken++
		case http.StatusServiceUnavailable:
			assert.NotEmpty(t, ans.retry, "a 503 says when to try again")
		default:
			t.Errorf("answered %d", ans.status)
		}
	}
	assert.Positive(t, taken)
}
