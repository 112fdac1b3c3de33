package news_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/promo/internal/news"
)

// Markdown renders to HTML, and every link gets rel="nofollow noopener".
func TestRender(t *testing.T) {
	r := news.NewRenderer()
	html, err := r.Render("# Spring\n\n**Run** with [us](https://example.com/run) or <https://a.example/b>, see www.example.org " +
		"or [the app](/challenges), mail [us](mailto:news@example.com).\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n" +
		"![shoe](https://img.example.com/shoe.png \"Shoe\")")
	require.NoError(t, err)
	for _, want := range []string{
		"<h1>Spring</h1>", "<strong>Run</strong>",
		`<a href="https://example.com/run" rel="nofollow noopener">us</a>`,
		`<a href="https://a.example/b" rel="nofollow noopener">https://a.example/b</a>`,
		`<a href="http://www.example.org" rel="nofollow noopener">www.example.org</a>`,
		`<a href="/challenges" rel="nofollow noopener">the app</a>`,
		`<a href="mailto:news@example.com" rel="nofollow noopener">us</a>`,
		"<td><del>2</del></td>",
		`<img src="https://img.example.com/shoe.png" alt="shoe" title="Shoe">`,
	} {
		assert.Contains(t, html, want)
	}
	assert.Equal(t, strings.Count(html, "<a "), strings.Count(html, `rel="nofollow noopener"`), html)
}

// dangerousURL is a URL attribute with a scheme that runs or embeds.
var dangerousURL = regexp.MustCompile(`(href|src|action|formaction|xlink:href)\s*=\s*["']?\s*(javascript|vbscript|data|&#)`)

// Hostile Markdown renders to nothing that runs: no script, style,
// iframe, object, form or svg element, no event handler, no javascript:,
// vbscript: or data: URL (however it is spelt), no rel that drops
// nofollow.
func TestRenderHostile(t *testing.T) {
	r := news.NewRenderer()
	for _, in := range []string{
		"<script>alert(1)</script>",
		"<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
		"text <script>alert(1)</script> inline",
		"<img src=x onerror=alert(1)>",
		"<svg onload=alert(1)><circle/></svg>",
		"<iframe src=\"https://evil.example\"></iframe>",
		"<object data=\"x.swf\"></object><embed src=x>",
		"<form action=https://evil.example><input name=p></form>",
		"<style>body{display:none}</style>",
		"<a href=\"https://x.example\" onclick=\"steal()\" rel=\"opener\">h</a>",
		"<div style=\"background:url(javascript:alert(1))\">x</div>",
		"[a](javascript:alert(1))",
		"[a](JaVaScRiPt:alert(1))",
		"[a](&#106;avascript:alert(1))",
		"[a](%6Aavascript:alert(1))",
		"[a]( javascript:alert(1))",
		"[a](<javascript:alert(1)>)",
		"[a](vbscript:msgbox(1))",
		"[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"![i](javascript:alert(1))",
		"![i](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
		"<javascript:alert(1)>",
		"[ref]\n\n[ref]: javascript:alert(1)",
		"[x](https://example.com \"t\\\" onmouseover=\\\"alert(1)\")",
		"<details open ontoggle=alert(1)>x</details>",
		"<a href=\"https://x.example\" target=\"_blank\">x</a>",
		"<!-- <script>alert(1)</script> -->",
		"`<script>alert(1)</script>`",
		"```html\n<script>alert(1)</script>\n```",
	} {
		html, err := r.Render(in)
		require.NoError(t, err, in)
		low := strings.ToLower(html)
		for _, bad := range []string{"<script", "<style", "<iframe", "<object", "<embed", "<form", "<input", "<svg",
			"onerror", "onload", "onclick", "onmouseover", "ontoggle", "style=", `rel="opener`} {
			assert.NotContains(t, low, bad, "%q rendered to %q", in, html)
		}
		assert.NotRegexp(t, dangerousURL, low, "%q rendered to %q", in, html)
		assert.Equal(t, strings.Count(html, "<a "), strings.Count(html, `rel="nofollow noopener"`), "%q rendered to %q", in, html)
	}
	// Code shows the markup as text.
	html, err := r.Render("`<script>alert(1)</script>`")
	require.NoError(t, err)
	assert.Contains(t, html, "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>")
}
