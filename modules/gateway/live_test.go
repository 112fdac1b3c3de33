package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gateway"
)

// The page in a real browser: modules/live_browser_test.go.

func TestLivePageServedFromTheBinary(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{})
	r := fx.do(t, http.MethodGet, gateway.LivePath+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
	assert.Equal(t, "no-referrer", r.header.Get("Referrer-Policy"))
	assert.Equal(t, "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; connect-src 'self' ws: wss:; "+
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox allow-same-origin allow-scripts",
		r.header.Get("Content-Security-Policy"))
	page := string(r.body)
	assert.NotRegexp(t, `(src|href)="(https?:)?//`, page, "the page loads nothing from another host")
	assert.Contains(t, page, `<meta name="athlos-live-tiles" content="">`)

	refs := regexp.MustCompile(`(?:src|href)="(/live/assets/[0-9a-f]{12}/[^"]+)"`).FindAllStringSubmatch(page, -1)
	require.Len(t, refs, 2, "the script and the stylesheet")
	for _, ref := range append(refs, []string{"", regexp.MustCompile(`[^/]+$`).ReplaceAllString(refs[0][1], "nats.js")},
		[]string{"", regexp.MustCompile(`[^/]+$`).ReplaceAllString(refs[0][1], "LICENSE-nats.ws")}) {
		a := fx.do(t, http.MethodGet, ref[1], "")
		require.Equal(t, http.StatusOK, a.status, ref[1])
		assert.NotEmpty(t, a.body)
		assert.Equal(t, "public, max-age=31536000, immutable", a.header.Get("Cache-Control"))
	}

	// The vendored client is the release the README names, unchanged.
	raw, err := os.ReadFile("liveassets/nats.js")
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	readme, err := os.ReadFile("liveassets/README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), hex.EncodeToString(sum[:]))
	assert.Contains(t, string(readme), "nats.ws@1.30.3")
}

// With a tile server, its origin (only) may serve the page's images.
func TestLivePageTiles(t *testing.T) {
	fx := newFixture(t, gateway.FrontConfig{LiveTilesURL: "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png"})
	r := fx.do(t, http.MethodGet, gateway.LivePath+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.header.Get("Content-Security-Policy"), "; img-src data: https://tiles.example.org:8443; ")
	assert.Contains(t, string(r.body), `content="https://tiles.example.org:8443/osm/{z}/{x}/{y}.png"`)

	for _, bad := range []string{"tiles.example.org/{z}/{x}/{y}.png", "ftp://t.example.org/{z}/{x}/{y}", "https://t.example.org/{z}/{x}.png",
		"javascript:alert(1)//{z}{x}{y}"} {
		assert.Error(t, gateway.ValidateTilesURL(bad), bad)
		c := gateway.DefaultConfig()
		c.LiveTilesURL = bad
		assert.Error(t, c.Validate(), bad)
	}
	assert.NoError(t, gateway.ValidateTilesURL(""))
}
