package httpapi_test

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// loopGPX is a run of n points a second apart, 3 m apart, on a circle
// around (52.5, 13.4): a GPX file to import.
func loopGPX(tb testing.TB, n int) ([]byte, []telemetry.Point) {
	tb.Helper()
	r := 3.0 * float64(n) / (2 * math.Pi) // metres
	t0 := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
	points := make([]telemetry.Point, n)
	for i := range points {
		a := 2 * math.Pi * float64(i) / float64(n)
		ele := 40 + 5*math.Sin(a*7)
		points[i] = telemetry.Point{T: t0.Add(time.Duration(i) * time.Second),
			Lat: 52.5 + r*math.Sin(a)/111320, Lon: 13.4 + r*(1-math.Cos(a))/(111320*math.Cos(52.5*math.Pi/180)), Ele: &ele}
	}
	var buf bytes.Buffer
	if err := importer.WriteGPX(&buf, "loop", "run", points); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), points
}

// BenchmarkRouteWithPrivacyZones measures GET /v1/sessions/{id}/route
// (every point, and simplified) and /gpx over HTTP through the front, one
// request at a time, of a public 10,000-point run whose owner has 5
// privacy zones on it: read by the owner (nothing masked: PostGIS writes
// the GeoJSON) and by another user (masked in the module), p50 and p99.
//
//	go test ./modules/training/httpapi -run '^$' -bench RouteWithPrivacyZones -benchtime 300x
func BenchmarkRouteWithPrivacyZones(b *testing.B) {
	a := apptest.Start(b, "client", "training")
	ana, eve := a.SignUp("ana@example.com").AccessToken, a.SignUp("eve@example.com").AccessToken
	file, points := loopGPX(b, 10000)
	r := a.Upload("/v1/sessions/import", ana, map[string]string{"sport": "run", "visibility": "public"}, "file", "loop.gpx", file)
	if r.Status != http.StatusCreated {
		b.Fatal(r.Status, string(r.Body))
	}
	var imp api.ImportResult
	r.JSON(b, &imp)
	for i := range 5 {
		p := points[i*len(points)/5]
		r := a.Do(http.MethodPost, "/v1/me/privacy-zones", ana, map[string]any{"center": map[string]any{"lat": p.Lat, "lon": p.Lon}, "radius_m": 400})
		if r.Status != http.StatusCreated {
			b.Fatal(r.Status, string(r.Body))
		}
	}
	for _, c := range []struct{ name, token, path string }{
		{"owner-route", ana, "/route"},
		{"other-route", eve, "/route"},
		{"owner-route-simplified", ana, "/route?simplified=true"},
		{"other-route-simplified", eve, "/route?simplified=true"},
		{"owner-gpx", ana, "/gpx"},
		{"other-gpx", eve, "/gpx"},
		{"owner-session", ana, ""},
		{"other-session", eve, ""},
	} {
		url, token := a.BaseURL+"/v1/sessions/"+imp.Session.ID+c.path, c.token
		b.Run(c.name, func(b *testing.B) {
			req := func() int {
				q, err := http.NewRequest(http.MethodGet, url, nil)
				if err != nil {
					b.Fatal(err)
				}
				q.Header.Set("Authorization", "Bearer "+token)
				resp, err := a.Client.Do(q)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.StatusCode, string(body))
				}
				return len(body)
			}
			size := 0
			for range 10 {
				size = req() // warm up: connections, plans
			}
			h := &loadgen.Histogram{}
			b.ResetTimer()
			for range b.N {
				t := time.Now()
				req()
				h.Record(time.Since(t))
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size), "body-bytes")
		})
	}
}
