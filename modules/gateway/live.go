package gateway

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// The live-tracking page (/live/<share token>): what an athlete's share
// link opens, for people without an account. The page is one HTML file and
// its assets, served from the binary (liveassets/: the page's own script
// and stylesheet, and a pinned nats.ws build, liveassets/README.md); it
// asks POST /v1/live/{token} (the training module) for the session and a
// watch credential, and follows the live figures over NATS WebSocket. The
// track is drawn as SVG from the points, with no internet; with a tile
// server configured (--live-tiles-url) a map is drawn underneath.

// LivePath is where the live-tracking page is served: LivePath + "<token>".
const LivePath = "/live/"

//go:embed liveassets
var liveFS embed.FS

// liveAssetNames are the files the page loads (the rest of liveassets/ is
// served too: the licence, the README).
var liveAssetNames = []string{"page.js", "page.css", "nats.js"}

// liveAssets are the page's files, as served, under a prefix named by
// their hash, so that browsers may cache each for good.
type liveAssets struct {
	prefix string
	assets map[string]*docsAsset
}

var loadLiveAssets = sync.OnceValues(func() (*liveAssets, error) {
	sub, err := fs.Sub(liveFS, "liveassets")
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	h := sha256.New()
	l := &liveAssets{assets: map[string]*docsAsset{}}
	for _, name := range names {
		raw, err := fs.ReadFile(sub, name)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(raw))
		h.Write(raw)
		ct := docsContentType(name)
		if strings.HasSuffix(name, ".md") {
			ct = "text/markdown; charset=utf-8"
		}
		l.assets[name] = &docsAsset{contentType: ct, raw: raw}
	}
	for _, need := range liveAssetNames {
		if l.assets[need] == nil {
			return nil, fmt.Errorf("gateway: live page assets: %s is missing", need)
		}
	}
	l.prefix = LivePath + "assets/" + hex.EncodeToString(h.Sum(nil))[:12] + "/"
	return l, nil
})

// livePage is the page, its policy and its assets.
type livePage struct {
	*liveAssets
	page []byte
	csp  string
}

// liveCSP is the page's Content-Security-Policy: everything refused
// (default-src 'none') but what the page needs, each allowance checked in
// Chromium (modules/live_browser_test.go fails on any violation):
//
//   - script-src 'self': page.js and the nats.js module it imports; no
//     inline script, no eval;
//   - style-src 'self': page.css; no inline style;
//   - img-src data: (the empty favicon), and the tile server's origin when
//     one is configured;
//   - connect-src 'self' ws: wss:: the page's fetch to the front, and the
//     NATS WebSocket, whose host and port the front cannot know for sure
//     (a public URL, another node, a proxy); only the page's own script
//     runs, and it connects where the credential's answer says;
//   - base-uri, form-action and frame-ancestors 'none', and a sandbox that
//     allows scripts and the same origin only.
func liveCSP(tilesOrigin string) string {
	img := "img-src data:"
	if tilesOrigin != "" {
		img += " " + tilesOrigin
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		img,
		"connect-src 'self' ws: wss:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
		"sandbox allow-same-origin allow-scripts",
	}, "; ")
}

// ValidateTilesURL checks a tile server URL template: http(s), with {z},
// {x} and {y}.
func ValidateTilesURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("gateway: live tiles URL %q: want an http(s) URL template such as https://tile.example.org/{z}/{x}/{y}.png", raw)
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(raw, p) {
			return fmt.Errorf("gateway: live tiles URL %q: it has no %s", raw, p)
		}
	}
	return nil
}

// newLivePage builds the page; tiles is the tile server's URL template
// ("" draws the track alone).
func newLivePage(tiles string) (*livePage, error) {
	assets, err := loadLiveAssets()
	if err != nil {
		return nil, err
	}
	if err := ValidateTilesURL(tiles); err != nil {
		return nil, err
	}
	origin := ""
	if tiles != "" {
		u, _ := url.Parse(tiles)
		origin = u.Scheme + "://" + u.Host
	}
	p := &livePage{liveAssets: assets, csp: liveCSP(origin)}
	p.page = []byte(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="referrer" content="no-referrer">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="athlos-live-tiles" content="` + html.EscapeString(tiles) + `">
    <title>Live</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="` + p.prefix + `page.css">
    <script type="module" src="` + p.prefix + `page.js"></script>
  </head>
  <body>
    <header>
      <h1><span id="name">…</span><span id="state"></span></h1>
      <div><span id="sport"></span> · <span id="started"></span></div>
    </header>
    <div id="message" role="status" aria-live="polite"></div>
    <dl id="figures">
      <div><dt>Elapsed</dt><dd id="elapsed">–</dd></div>
      <div><dt>Distance</dt><dd id="distance">–</dd></div>
      <div><dt>Pace</dt><dd id="pace">–</dd></div>
      <div><dt>Heart rate</dt><dd id="hr">–</dd></div>
    </dl>
    <svg id="map" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="the track so far"></svg>
    <footer><span id="updated"></span></footer>
  </body>
</html>
`)
	return p, nil
}

// mount registers the page and its assets on app.
func (p *livePage) mount(app *fiber.App) {
	app.Get(LivePath+":token", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, p.csp)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set("X-Robots-Tag", "noindex")
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(p.page)
	})
	for name, a := range p.assets {
		app.Get(p.prefix+name, a.serve)
	}
}
