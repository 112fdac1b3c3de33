package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// BenchmarkImportGPX10k is the whole import of a 10,000-point GPX (2 MB,
// with elevation, heart rate and cadence) as the app does it: the
// multipart upload over HTTP, the object store, the RPC, parsing, the
// figures, the route, COPY of the points and the commit, until the 201.
//
//	go test ./modules/training/httpapi -run '^$' -bench ImportGPX10k -benchtime 20x
func BenchmarkImportGPX10k(b *testing.B) {
	a := apptest.Start(b, "client", "training")
	token := a.SignUp("ana@example.com").AccessToken
	// Every file differs (the same file twice is refused).
	files := make([][]byte, 0, b.N)
	start := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	for k := range b.N {
		points := make([]telemetry.Point, 10_000)
		for i := range points {
			ele, hr, cad := 30+10*float64(i%600)/600, 130+i%40, 170+i%10
			points[i] = telemetry.Point{T: start.Add(time.Duration(i) * time.Second),
				Lat: 48.1 + float64(k)*1e-4 + float64(i)*2.5e-5, Lon: 11.5 + float64(i%100)*1e-5, Ele: &ele, HR: &hr, Cad: &cad}
		}
		var buf bytes.Buffer
		if err := importer.WriteGPX(&buf, fmt.Sprintf("run %d", k), "run", points); err != nil {
			b.Fatal(err)
		}
		files = append(files, buf.Bytes())
	}
	b.SetBytes(int64(len(files[0])))
	b.ResetTimer()
	for k := range b.N {
		contentType, body := apptest.MultipartBody(b, nil, "file", "run.gpx", files[k])
		req, err := http.NewRequest(http.MethodPost, a.BaseURL+"/v1/sessions/import", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := a.Client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("%d %s", resp.StatusCode, reply)
		}
	}
}
