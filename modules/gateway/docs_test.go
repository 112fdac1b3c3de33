package gateway_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gateway"
)

// The page in a real browser: modules/docs_browser_test.go.

func TestDocsPageNamesNoOtherHost(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	r := fx.do(t, http.MethodGet, gateway.DocsPath, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
	assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))

	csp := r.header.Get("Content-Security-Policy")
	assert.Equal(t, "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src data:; "+
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "+
		"sandbox allow-same-origin allow-scripts", csp)
	assert.NotContains(t, csp, "http", "the policy names no host")
	assert.NotContains(t, csp, "unsafe-eval")

	page := string(r.body)
	assert.NotRegexp(t, `(src|href)="(https?:)?//`, page, "the page loads nothing from another host")
	assert.Contains(t, page, `apiDescriptionUrl="/openapi.json"`)
	assert.Contains(t, page, "<title>Athlos API Reference</title>")

	// Every asset the page names is served by the front.
	refs := regexp.MustCompile(`(?:src|href)="(/docs/assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	require.Len(t, refs, 2, "the script and the stylesheet")
	for _, ref := range refs {
		a := fx.do(t, http.MethodGet, ref[1], "")
		require.Equal(t, http.StatusOK, a.status, ref[1])
		assert.NotEmpty(t, a.body)
		assert.Equal(t, "public, max-age=31536000, immutable", a.header.Get("Cache-Control"))
		assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))
		switch {
		case strings.HasSuffix(ref[1], ".js"):
			assert.Contains(t, a.header.Get("Content-Type"), "javascript")
			assert.Contains(t, string(a.body), `customElements.define("elements-api"`)
		case strings.HasSuffix(ref[1], ".css"):
			assert.Contains(t, a.header.Get("Content-Type"), "text/css")
		default:
			t.Errorf("unexpected asset %s", ref[1])
		}
	}

	// huma's own page, which loads its script from a CDN, is off: /docs is
	// ours, and the OpenAPI documents are unchanged.
	assert.Equal(t, http.StatusOK, fx.do(t, http.MethodGet, "/openapi.json", "").status)
	assert.Equal(t, http.StatusOK, fx.do(t, http.MethodGet, "/openapi.yaml", "").status)
	assert.Equal(t, http.StatusOK, fx.do(t, http.MethodHead, gateway.DocsPath, "").status)
}

func TestDocsAssetsGzipAndLicence(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	page := string(fx.do(t, http.MethodGet, gateway.DocsPath, "").body)
	m := regexp.MustCompile(`src="(/docs/assets/elements-[^/"]+/)web-components\.min\.js"`).FindStringSubmatch(page)
	require.NotNil(t, m, page)
	prefix := m[1]

	plain := fx.do(t, http.MethodGet, prefix+"web-components.min.js", "")
	require.Equal(t, http.StatusOK, plain.status)
	assert.Empty(t, plain.header.Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", plain.header.Get("Vary"))

	gz := fx.do(t, http.MethodGet, prefix+"web-components.min.js", "", "Accept-Encoding", "gzip, br")
	require.Equal(t, http.StatusOK, gz.status)
	assert.Equal(t, "gzip", gz.header.Get("Content-Encoding"))
	assert.Less(t, len(gz.body), len(plain.body)/2)
	zr, err := gzip.NewReader(bytes.NewReader(gz.body))
	require.NoError(t, err)
	unzipped, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(plain.body, unzipped), "the gzipped script is the script")

	// The licences go with the build: Elements' own and its bundle's, which
	// the script names at its top.
	assert.Contains(t, string(plain.body[:200]), "web-components.min.js.LICENSE.txt")
	for _, name := range []string{"LICENSE", "web-components.min.js.LICENSE.txt"} {
		r := fx.do(t, http.MethodGet, prefix+name, "")
		require.Equal(t, http.StatusOK, r.status, name)
		assert.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
	}

	assert.Equal(t, http.StatusNotFound, fx.do(t, http.MethodGet, prefix+"nope.js", "").status)
	assert.Equal(t, http.StatusNotFound, fx.do(t, http.MethodGet, "/docs/assets/elements-0.0.0/web-components.min.js", "").status)
}

// TestDocsAssetsREADMEIsCurrent keeps the vendored build's README naming the
// version that is embedded.
func TestDocsAssetsREADMEIsCurrent(t *testing.T) {
	b, err := os.ReadFile("docsassets/elements/package.json")
	require.NoError(t, err)
	var pkg struct{ Name, Version, License string }
	require.NoError(t, json.Unmarshal(b, &pkg))
	assert.Equal(t, "@stoplight/elements", pkg.Name)
	assert.Equal(t, "Apache-2.0", pkg.License)
	readme, err := os.ReadFile("docsassets/README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), pkg.Name+"@"+pkg.Version, "docsassets/README.md names another version than package.json")
	_, err = os.Stat("docsassets/elements/LICENSE")
	assert.NoError(t, err, "the licence goes with the build")
}
