package httpapi_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/client/api"
)

// exportVolume is how many sessions TestExportOfManySessions gives its
// user: ATHLOS_EXPORT_SESSIONS (1,000 for docs/benchmarks.md), 100 by
// default so that CI stays quick.
func exportVolume(t *testing.T) int {
	s := os.Getenv("ATHLOS_EXPORT_SESSIONS")
	if s == "" {
		return 100
	}
	n, err := strconv.Atoi(s)
	require.NoError(t, err, "ATHLOS_EXPORT_SESSIONS")
	return n
}

// A user with many sessions, each with a route of ten minutes at one
// point a second (imported), exports them all: every session is listed
// and every route is in the archive, though together they are far larger
// than a NATS message. The time the export took and the archive's size
// are logged (docs/benchmarks.md), never asserted.
func TestExportOfManySessions(t *testing.T) {
	t.Parallel()
	n := exportVolume(t)
	a := apptest.Start(t, "client", "training", "social", "gamification")
	ana := exportSignUp(a, "ana@example.com")

	// The sessions, imported by four clients at once.
	const points = 600
	end := time.Now().Add(-time.Hour).Truncate(time.Second)
	work := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				file := gpxFile(fmt.Sprintf("run %d", i), points, end.Add(-time.Duration(i)*time.Hour))
				r := a.Upload("/v1/sessions/import", ana.token, nil, "file", "run.gpx", file)
				if r.Status != http.StatusCreated {
					errs <- fmt.Errorf("import %d: %d %s", i, r.Status, r.Body)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	start := time.Now()
	r := a.Do(http.MethodPost, "/v1/me/export", ana.token, nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	var e api.Export
	require.Eventually(t, func() bool {
		a.Do(http.MethodGet, "/v1/me/export", ana.token, nil).JSON(t, &e)
		return e.Status != api.ExportPending
	}, 15*time.Minute, 50*time.Millisecond)
	built := time.Since(start)
	require.Equal(t, api.ExportReady, e.Status)

	start = time.Now()
	r = a.Do(http.MethodGet, api.ExportDownloadPath, ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	downloaded := time.Since(start)
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	require.NoError(t, err)
	gpx, sources, trackBytes := 0, 0, uint64(0)
	for _, f := range zr.File {
		switch {
		case strings.HasPrefix(f.Name, "sessions/") && strings.HasSuffix(f.Name, ".source.gpx"):
			sources++
		case strings.HasPrefix(f.Name, "sessions/") && strings.HasSuffix(f.Name, ".gpx"):
			gpx++
			trackBytes += f.UncompressedSize64
		}
	}
	assert.Equal(t, n, gpx, "every route")
	assert.Equal(t, n, sources, "every imported file")
	var sessions []map[string]any
	f, err := zr.Open("sessions.json")
	require.NoError(t, err)
	require.NoError(t, jsonDecode(f, &sessions))
	assert.Len(t, sessions, n)
	_, err = zr.Open("marketing.json")
	assert.Error(t, err, "promo does not run here: its part is left out")
	var manifest struct {
		Unavailable []string `json:"unavailable"`
	}
	mf, err := zr.Open("manifest.json")
	require.NoError(t, err)
	require.NoError(t, jsonDecode(mf, &manifest))
	assert.Equal(t, []string{"marketing.json"}, manifest.Unavailable, "and the manifest says so")
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("export of %d sessions (%d points each): built in %s, downloaded in %s; archive %.1f MiB (%d parts), GPX %.1f MiB uncompressed; load average %s",
		n, points, built.Round(time.Millisecond), downloaded.Round(time.Millisecond), float64(len(r.Body))/(1<<20),
		(len(r.Body)+api.ExportPartBytes-1)/api.ExportPartBytes, float64(trackBytes)/(1<<20), strings.TrimSpace(string(load)))
}
