package gateway

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                          false,
		"gzip":                      true,
		"GZip":                      true,
		"gzip, deflate, br":         true,
		"deflate,gzip":              true,
		"br;q=1.0, gzip;q=0.001":    true,
		"x-gzip":                    true,
		"*":                         true,
		"identity, *;q=0.1":         true,
		"gzip;q=0":                  false,
		"gzip;q=0.000":              false,
		"gzip;q=0, *":               false,
		"gzip;q=2":                  false,
		"gzip;q=":                   false,
		"gzip;level=1":              true,
		"br":                        false,
		"*;q=0":                     false,
		"identity":                  false,
		"gzipx, xgzip":              false,
		" , ;, gzip ; q = 0.5 , ":   true,
		"compress;q=0.5, zstd;q=.9": false,
	} {
		assert.Equal(t, want, acceptsGzip([]byte(header)), "%q", header)
	}
}

func TestCompressible(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                  true,
		"application/json; charset=utf-8":   true,
		"application/problem+json":          true,
		"application/geo+json":              true,
		"application/gpx+xml":               true,
		"application/vnd.oai.openapi+json":  true,
		"application/xml":                   true,
		"application/yaml":                  true,
		"text/plain; version=0.0.4":         true,
		"Text/HTML":                         true,
		"application/octet-stream":          false,
		"application/gzip":                  false,
		"application/zip":                   false,
		"image/png":                         false,
		"":                                  false,
		"application/jsonx":                 false,
		"multipart/form-data; boundary=abc": false,
	} {
		assert.Equal(t, want, compressible([]byte(ct)), "%q", ct)
	}
}

// TestMetricsAreNotCompressedTwice: /metrics comes gzipped by the
// Prometheus handler itself; the front leaves it as it is.
func TestMetricsAreNotCompressedTwice(t *testing.T) {
	f, err := New(FrontConfig{}, nil, nil, nil, nil)
	require.NoError(t, err)
	live, err := f.App().Test(httptest.NewRequest(http.MethodGet, "/livez", nil), 5000)
	require.NoError(t, err)
	_ = live.Body.Close()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := f.App().Test(req, 5000)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	zr, err := gzip.NewReader(bytes.NewReader(body))
	require.NoError(t, err)
	text, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(text), "# HELP"), "one gzip layer: %.80q", text)
}
