package gateway

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// The docs page (/docs) renders the OpenAPI document with Stoplight
// Elements, served from the binary: a pinned build vendored in
// docsassets/elements (docsassets/README.md says which and from where), so
// the page works with no internet, and its Content-Security-Policy names no
// host but the front's own.

// DocsPath is the path of the API docs page.
const DocsPath = "/docs"

//go:embed docsassets/elements
var docsFS embed.FS

const docsDir = "docsassets/elements"

// docsCSP is the page's Content-Security-Policy. Everything is refused
// (default-src 'none') but what the page needs, and no host but the
// front's own ('self'); each allowance was checked in Chromium
// (modules/docs_browser_test.go fails on any violation):
//
//   - script-src 'self': the vendored web-components.min.js. No inline
//     script and no eval: Elements needs neither;
//   - style-src 'self' 'unsafe-inline': the vendored styles.min.css, and the
//     <style> elements and style attributes that Elements sets as it
//     renders (Font Awesome's SVG icons bring their sizes in an inline
//     <style>: refused, every icon fills the sidebar). Inline styles run
//     no code;
//   - img-src data:: the page's empty favicon (data:,), which keeps the
//     browser from asking the front for /favicon.ico (a 404);
//   - connect-src 'self': Elements fetches /openapi.json, and its "Try It"
//     panel sends requests to the API, both on the front itself;
//   - base-uri 'none', form-action 'none', frame-ancestors 'none' (no
//     framing), and a sandbox that allows only scripts and the same origin
//     (for the fetches above).
//
// A description in the document with a Mermaid diagram would make Elements
// load Mermaid from a CDN: this policy refuses it, and the diagram is not drawn.
var docsCSP = strings.Join([]string{
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self' 'unsafe-inline'",
	"img-src data:",
	"connect-src 'self'",
	"base-uri 'none'",
	"form-action 'none'",
	"frame-ancestors 'none'",
	"sandbox allow-same-origin allow-scripts",
}, "; ")

// docsAsset is one vendored file, as served.
type docsAsset struct {
	contentType string
	raw         []byte

	once sync.Once
	gz   []byte // raw gzipped, made on first request; nil when not smaller
}

func (a *docsAsset) gzipped() []byte {
	a.once.Do(func() {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = w.Write(a.raw)
		_ = w.Close()
		if b.Len() < len(a.raw) {
			a.gz = b.Bytes()
		}
	})
	return a.gz
}

// docsUI is the docs page and its assets.
type docsUI struct {
	*docsAssets
	page []byte
}

// docsAssets are the vendored files, as served: read once per process (and
// each gzipped once), whatever the number of fronts.
type docsAssets struct {
	// prefix is where the assets are served: /docs/assets/elements-VERSION/,
	// so that a new version has new URLs and browsers may cache each for good.
	prefix string
	assets map[string]*docsAsset // by name in prefix
}

var loadDocsAssets = sync.OnceValues(func() (*docsAssets, error) {
	sub, err := fs.Sub(docsFS, docsDir)
	if err != nil {
		return nil, err
	}
	version, err := elementsVersion(sub)
	if err != nil {
		return nil, fmt.Errorf("gateway: docs assets: %w", err)
	}
	d := &docsAssets{
		prefix: DocsPath + "/assets/elements-" + version + "/",
		assets: map[string]*docsAsset{},
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		raw, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			return nil, err
		}
		d.assets[e.Name()] = &docsAsset{contentType: docsContentType(e.Name()), raw: raw}
	}
	for _, need := range []string{"web-components.min.js", "styles.min.css"} {
		if d.assets[need] == nil {
			return nil, fmt.Errorf("gateway: docs assets: %s is missing", need)
		}
	}
	return d, nil
})

// elementsVersion reads the version of the vendored Elements build from its
// package.json.
func elementsVersion(fsys fs.FS) (string, error) {
	b, err := fs.ReadFile(fsys, "package.json")
	if err != nil {
		return "", err
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return "", fmt.Errorf("package.json: %w", err)
	}
	if pkg.Name != "@stoplight/elements" || pkg.Version == "" || strings.ContainsAny(pkg.Version, "/?#% ") {
		return "", fmt.Errorf("package.json: not a release of @stoplight/elements: %q %q", pkg.Name, pkg.Version)
	}
	return pkg.Version, nil
}

// newDocsUI builds the page, titled title, that renders the document at
// openAPIPath.
func newDocsUI(title, openAPIPath string) (*docsUI, error) {
	assets, err := loadDocsAssets()
	if err != nil {
		return nil, err
	}
	d := &docsUI{docsAssets: assets}
	d.page = []byte(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="referrer" content="no-referrer">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>` + html.EscapeString(title) + `</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="` + d.prefix + `styles.min.css">
    <script src="` + d.prefix + `web-components.min.js"></script>
  </head>
  <body style="height: 100vh; margin: 0;">
    <elements-api
      apiDescriptionUrl="` + html.EscapeString(openAPIPath) + `"
      router="hash"
      layout="sidebar"
      tryItCredentialsPolicy="same-origin"
    ></elements-api>
  </body>
</html>
`)
	return d, nil
}

// docsContentType is the type of a vendored file, the same on every
// machine (mime.TypeByExtension reads the system's tables).
func docsContentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	default: // LICENSE, *.LICENSE.txt
		return "text/plain; charset=utf-8"
	}
}

// mount registers the page and its assets on app. Answers are cached:
// the page for a short while (it names the assets' versioned URLs), the
// assets for good.
func (d *docsUI) mount(app *fiber.App) {
	app.Get(DocsPath, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, docsCSP)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(d.page)
	})
	for name, a := range d.assets {
		app.Get(d.prefix+name, a.serve)
	}
}

// serve answers a request for the asset: cached for good (its URL names
// its version), gzipped for a client that accepts it.
func (a *docsAsset) serve(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, a.contentType)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Vary(fiber.HeaderAcceptEncoding)
	if c.Request().Header.HasAcceptEncoding("gzip") {
		if gz := a.gzipped(); gz != nil {
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(gz)
		}
	}
	return c.Send(a.raw)
}
