package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
)

// importTrack imports a GPX file of n points of a simulated runner (one a
// second, with elevation and heart rate), ending daysAgo days ago, and
// returns the new session's id.
func importTrack(t testing.TB, a *apptest.App, token string, seed uint64, n, daysAgo int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 10))
	end := time.Now().Add(-time.Duration(daysAgo) * 24 * time.Hour).UTC().Truncate(time.Second)
	var buf bytes.Buffer
	require.NoError(t, importer.WriteGPX(&buf, fmt.Sprintf("run %d", seed), "run", trackPoints(rng, n, time.Second, end, true)))
	r := a.Upload("/v1/sessions/import", token, nil, "file", "run.gpx", buf.Bytes())
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res api.ImportResult
	r.JSON(t, &res)
	return res.Session.ID
}

// decode undoes a Content-Encoding.
func decode(t testing.TB, encoding string, body []byte) []byte {
	t.Helper()
	var rd io.Reader
	switch encoding {
	case "":
		return body
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err)
		rd = zr
	default:
		t.Fatalf("unexpected Content-Encoding %q", encoding)
	}
	out, err := io.ReadAll(rd)
	require.NoError(t, err)
	return out
}

// varies reports whether the Vary header names name.
func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range bytes.Split([]byte(v), []byte(",")) {
			if string(bytes.TrimSpace(f)) == name {
				return true
			}
		}
	}
	return false
}

// TestCompressedAnswers: lists, routes and GPX come gzipped when the
// client accepts it, decode to the very bytes of the uncompressed
// answer, and carry Vary: Accept-Encoding; tiny answers, answers to
// clients that accept neither, and error answers still come right.
func TestCompressedAnswers(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	id := importTrack(t, a, ana, 1, 2_000, 2)
	for k := range 20 {
		importTrack(t, a, ana, uint64(100+k), 50, 3+k)
	}

	get := func(path, acceptEncoding string) apptest.Response {
		return a.DoWith(http.MethodGet, path, ana, nil, http.Header{"Accept-Encoding": {acceptEncoding}})
	}
	for _, path := range []string{"/v1/sessions?limit=50", "/v1/sessions/" + id + "/route", "/v1/sessions/" + id + "/gpx"} {
		plain := get(path, "identity")
		require.Equal(t, http.StatusOK, plain.Status, string(plain.Body))
		assert.Empty(t, plain.Header.Get("Content-Encoding"), path)
		assert.True(t, varies(plain.Header, "Accept-Encoding"), "%s: Vary %q", path, plain.Header.Values("Vary"))
		for _, c := range []struct{ accept, want string }{
			{"gzip", "gzip"},
			{"gzip, deflate, br, zstd", "gzip"},
			{"br;q=1.0, gzip;q=0.8", "gzip"},
			{"GZIP;Q=0.5", "gzip"},
			{"deflate, *;q=0.5", "gzip"},
			{"x-gzip", "gzip"},
			{"gzip;q=0, *", ""},
			{"gzip;q=bad", ""},
			{"br", ""},
			{"compress, zstd;q=0.9", ""},
			{"*;q=0", ""},
		} {
			r := get(path, c.accept)
			require.Equal(t, http.StatusOK, r.Status, "%s %s", path, c.accept)
			assert.Equal(t, c.want, r.Header.Get("Content-Encoding"), "%s, Accept-Encoding: %s", path, c.accept)
			assert.True(t, varies(r.Header, "Accept-Encoding"), path)
			assert.Equal(t, plain.Header.Get("Content-Type"), r.Header.Get("Content-Type"))
			assert.Equal(t, plain.Header.Get("ETag"), r.Header.Get("ETag"), "one representation, one tag")
			assert.Equal(t, strconv.Itoa(len(r.Body)), r.Header.Get("Content-Length"))
			got := decode(t, c.want, r.Body)
			assert.Equal(t, plain.Body, got, "%s, %s: decodes to the same answer", path, c.accept)
			if c.want != "" {
				assert.Less(t, len(r.Body), len(plain.Body)/3, "%s, %s: %d of %d bytes", path, c.want, len(r.Body), len(plain.Body))
			}
		}
	}

	// A tiny answer goes as it is, Vary all the same.
	r := get("/v1/me/devices", "gzip, br")
	require.Equal(t, http.StatusOK, r.Status)
	assert.Empty(t, r.Header.Get("Content-Encoding"))
	assert.True(t, varies(r.Header, "Accept-Encoding"))
	assert.JSONEq(t, `{"items": [], "next_cursor": null}`, string(r.Body))

	// Errors are problem+json, compressed or not, and read the same.
	for _, accept := range []string{"gzip", "identity"} {
		r = get("/v1/sessions/0190a7c4-0000-7000-8000-000000000001/route", accept)
		require.Equal(t, http.StatusNotFound, r.Status)
		r.Body = decode(t, r.Header.Get("Content-Encoding"), r.Body)
		assert.Equal(t, "not_found", r.Problem(t).Code)
		r = a.DoWith(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "chess", "title": string(bytes.Repeat([]byte("é"), 300))},
			http.Header{"Accept-Encoding": {accept}})
		require.Equal(t, http.StatusBadRequest, r.Status)
		r.Body = decode(t, r.Header.Get("Content-Encoding"), r.Body)
		p := r.Problem(t)
		assert.Equal(t, "invalid", p.Code)
		assert.NotEmpty(t, p.Errors)
	}
}

// BenchmarkAnswers measures what an app pays for GET /v1/sessions (50
// items), and the route (GeoJSON) and GPX of a 10,000-point session, with
// and without compression, and when unchanged (If-None-Match: 304): the
// time of the whole request over HTTP (front, NATS, module, PostgreSQL)
// and the bytes of the answer's body.
//
//	go test ./modules/training/httpapi -run '^$' -bench Answers -benchtime 100x
func BenchmarkAnswers(b *testing.B) {
	a := apptest.Start(b, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	id := importTrack(b, a, ana, 1, 10_000, 1)
	for k := range 49 {
		importTrack(b, a, ana, uint64(100+k), 200, 2+k)
	}
	for _, path := range []struct{ name, path string }{
		{"list50", "/v1/sessions?limit=50"},
		{"route10k", "/v1/sessions/" + id + "/route"},
		{"gpx10k", "/v1/sessions/" + id + "/gpx"},
	} {
		tag := a.DoWith(http.MethodGet, path.path, ana, nil, http.Header{"Accept-Encoding": {"identity"}}).Header.Get("ETag")
		for _, c := range []struct{ name, encoding, ifNoneMatch string }{
			{"identity", "identity", ""},
			{"gzip", "gzip", ""},
			{"not-modified", "gzip", tag},
		} {
			b.Run(path.name+"/"+c.name, func(b *testing.B) {
				req, err := http.NewRequest(http.MethodGet, a.BaseURL+path.path, nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+ana)
				req.Header.Set("Accept-Encoding", c.encoding)
				want := http.StatusOK
				if c.ifNoneMatch != "" {
					req.Header.Set("If-None-Match", c.ifNoneMatch)
					want = http.StatusNotModified
				}
				var size int
				for b.Loop() {
					resp, err := a.Client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					body, err := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					if err != nil || resp.StatusCode != want {
						b.Fatalf("%d %v", resp.StatusCode, err)
					}
					size = len(body)
				}
				b.ReportMetric(float64(size), "body-bytes")
			})
		}
	}
}

// BenchmarkCompressionLevels compresses the answers of BenchmarkAnswers
// (as the front has them) at several levels of gzip and brotli, for the
// choice of the front's levels: the time of one compression and the
// bytes it gives.
//
//	go test ./modules/training/httpapi -run '^$' -bench CompressionLevels
func BenchmarkCompressionLevels(b *testing.B) {
	a := apptest.Start(b, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	id := importTrack(b, a, ana, 1, 10_000, 1)
	for k := range 49 {
		importTrack(b, a, ana, uint64(100+k), 200, 2+k)
	}
	for _, path := range []struct{ name, path string }{
		{"list50", "/v1/sessions?limit=50"},
		{"route10k", "/v1/sessions/" + id + "/route"},
		{"gpx10k", "/v1/sessions/" + id + "/gpx"},
	} {
		r := a.DoWith(http.MethodGet, path.path, ana, nil, http.Header{"Accept-Encoding": {"identity"}})
		if r.Status != http.StatusOK {
			b.Fatalf("%s: %d", path.path, r.Status)
		}
		for _, c := range []struct {
			name string
			fn   func(dst, src []byte) []byte
		}{
			{"gzip-1", func(dst, src []byte) []byte { return fasthttp.AppendGzipBytesLevel(dst, src, 1) }},
			{"gzip-5", func(dst, src []byte) []byte { return fasthttp.AppendGzipBytesLevel(dst, src, 5) }},
			{"gzip-6", func(dst, src []byte) []byte { return fasthttp.AppendGzipBytesLevel(dst, src, 6) }},
			{"gzip-9", func(dst, src []byte) []byte { return fasthttp.AppendGzipBytesLevel(dst, src, 9) }},
			{"br-1", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 1) }},
			{"br-3", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 3) }},
			{"br-4", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 4) }},
			{"br-5", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 5) }},
			{"br-6", func(dst, src []byte) []byte { return fasthttp.AppendBrotliBytesLevel(dst, src, 6) }},
		} {
			b.Run(path.name+"/"+c.name, func(b *testing.B) {
				b.SetBytes(int64(len(r.Body)))
				var out []byte
				for b.Loop() {
					out = c.fn(out[:0], r.Body)
				}
				b.ReportMetric(float64(len(r.Body)), "in-bytes")
				b.ReportMetric(float64(len(out)), "out-bytes")
			})
		}
	}
}
