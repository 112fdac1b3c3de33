package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen/workout"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// routesToStore is how many routes TestThousandsOfRoutesAreStored stores:
// ten times what crashed PostgreSQL before migration training/00010.
const routesToStore = 2000

// Thousands of realistic routes, live finishes and imports, with and
// without elevation, spread over ten cities, stored by several athletes at
// once: every finish and import succeeds, and PostgreSQL never restarts
// (a connection held open through the whole test survives). Before
// migration training/00010, inserting into the GiST index on route lines
// crashed the server after about 180 routes.
func TestThousandsOfRoutesAreStored(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ctx := context.Background()
	witness, err := pgx.Connect(ctx, a.DBURL)
	require.NoError(t, err)
	defer witness.Close(ctx)
	var backend int
	require.NoError(t, witness.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend))

	const athletes = 8
	var next atomic.Int64
	var live, imported atomic.Int64
	errs := make(chan error, athletes)
	var wg sync.WaitGroup
	for w := range athletes {
		token := a.SignUp(fmt.Sprintf("athlete%d@example.com", w)).AccessToken
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for {
				k := next.Add(1)
				if k > routesToStore {
					return
				}
				withEle := k%4 < 2
				var err error
				if k%2 == 0 {
					err = storeLiveRoute(ctx, a, token, rng, withEle)
					live.Add(1)
				} else {
					err = importRoute(ctx, a, token, rng, k, withEle)
					imported.Add(1)
				}
				if err != nil {
					errs <- fmt.Errorf("route %d: %w", k, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	var same int
	require.NoError(t, witness.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&same), "PostgreSQL restarted during the test")
	assert.Equal(t, backend, same)
	var routes, near int
	require.NoError(t, witness.QueryRow(ctx, "SELECT count(*) FROM training.routes").Scan(&routes))
	assert.Equal(t, routesToStore, routes)
	// The index answers a spatial query: routes within 10 km of Berlin.
	_, err = witness.Exec(ctx, "SET enable_seqscan = off")
	require.NoError(t, err)
	require.NoError(t, witness.QueryRow(ctx, `SELECT count(*) FROM training.routes
		WHERE ST_DWithin(path, ST_MakePoint(13.3777, 52.5163)::geography, 10000)`).Scan(&near))
	assert.Positive(t, near)
	assert.Less(t, near, routes)
	t.Logf("%d routes stored (%d live, %d imported), %d near Berlin", routes, live.Load(), imported.Load(), near)
}

// trackPoints makes n points of a simulated runner, every step, the last
// at end; without elevation when withEle is false.
func trackPoints(rng *rand.Rand, n int, step time.Duration, end time.Time, withEle bool) []telemetry.Point {
	tr := workout.NewTrack(rng)
	out := make([]telemetry.Point, n)
	for i := range out {
		p := tr.Next(end.Add(time.Duration(i-n+1) * step))
		hr := p.HR
		out[i] = telemetry.Point{T: p.T.UTC().Truncate(time.Second), Lat: p.Lat, Lon: p.Lon, HR: &hr}
		if withEle {
			ele := p.Ele
			out[i].Ele = &ele
		}
	}
	return out
}

// storeLiveRoute records a live session of a few minutes over HTTP and
// finishes it.
func storeLiveRoute(ctx context.Context, a *apptest.App, token string, rng *rand.Rand, withEle bool) error {
	var s api.Session
	if err := call(ctx, a, http.MethodPost, "/v1/sessions", token, map[string]any{"sport": "run"}, http.StatusCreated, &s); err != nil {
		return err
	}
	points := trackPoints(rng, 100+rng.IntN(200), 2*time.Second, s.StartedAt, withEle)
	wire := make([]map[string]any, len(points))
	for i, p := range points {
		wire[i] = map[string]any{"t": p.T.Format(time.RFC3339), "lat": p.Lat, "lon": p.Lon, "hr": *p.HR}
		if p.Ele != nil {
			wire[i]["ele"] = *p.Ele
		}
	}
	if err := call(ctx, a, http.MethodPost, "/v1/sessions/"+s.ID+"/points", token, map[string]any{"points": wire}, http.StatusOK, nil); err != nil {
		return err
	}
	if err := call(ctx, a, http.MethodPost, "/v1/sessions/"+s.ID+"/finish", token, nil, http.StatusOK, &s); err != nil {
		return err
	}
	if s.Summary == nil || s.Summary.Points < 2 || s.Summary.MapPolyline == "" {
		return fmt.Errorf("session %s finished without a route: %+v", s.ID, s.Summary)
	}
	return nil
}

// importRoute imports a GPX file of a run some days ago.
func importRoute(ctx context.Context, a *apptest.App, token string, rng *rand.Rand, k int64, withEle bool) error {
	end := time.Now().Add(-time.Duration(24+k) * time.Hour).UTC().Truncate(time.Second)
	points := trackPoints(rng, 200+rng.IntN(800), time.Second, end, withEle)
	var buf bytes.Buffer
	if err := importer.WriteGPX(&buf, fmt.Sprintf("run %d", k), "run", points); err != nil {
		return err
	}
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	part, err := w.CreateFormFile("file", "run.gpx")
	if err != nil {
		return err
	}
	if _, err := part.Write(buf.Bytes()); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	var res api.ImportResult
	return send(ctx, a, http.MethodPost, "/v1/sessions/import", token, w.FormDataContentType(), form.Bytes(), http.StatusCreated, &res)
}

// call sends a JSON request from any goroutine and decodes the answer,
// which must have status want.
func call(ctx context.Context, a *apptest.App, method, path, token string, in any, want int, out any) error {
	var body []byte
	contentType := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
		contentType = "application/json"
	}
	return send(ctx, a, method, path, token, contentType, body, want, out)
}

func send(ctx context.Context, a *apptest.App, method, path, token, contentType string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, a.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := a.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
