package modules_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/gateway"
)

// chromiumEnv names a Chromium (or Chrome) binary to use instead of the one
// found in PATH.
const chromiumEnv = "ATHLOS_CHROMIUM"

// screenshotEnv names a folder where TestDocsPageInBrowser leaves its
// screenshot; by default it goes to the test's temporary folder, which is
// removed after the test.
const screenshotEnv = "ATHLOS_DOCS_SCREENSHOT_DIR"

// chromium returns the browser to drive. A missing browser fails the test:
// CI must never skip it.
func chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(chromiumEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("Chromium is not installed, and this test drives it: run `go tool -modfile=tools/go.mod task setup` "+
		"(deploy/setup.sh installs it with apt-get), or set %s to a Chromium binary", chromiumEnv)
	return ""
}

// docOperation is an operation of the served API document.
type docOperation struct {
	Method, Path, ID, Summary, Tag string
}

func servedOperations(t *testing.T, base string) []docOperation {
	t.Helper()
	resp, err := http.Get(base + "/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string   `json:"operationId"`
			Summary     string   `json:"summary"`
			Tags        []string `json:"tags"`
		} `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	var ops []docOperation
	for p, methods := range doc.Paths {
		for m, op := range methods {
			o := docOperation{Method: strings.ToUpper(m), Path: p, ID: op.OperationID, Summary: op.Summary}
			if len(op.Tags) > 0 {
				o.Tag = op.Tags[0]
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path+ops[i].Method < ops[j].Path+ops[j].Method })
	return ops
}

// TestDocsPageInBrowser loads /docs of a running Athlos in headless
// Chromium and uses it as a person would: it unfolds the sidebar, finds
// every operation, opens one, and sends a request with "Try It". The page
// must need nothing but the server itself: every request it makes goes to
// the test server, and its Content-Security-Policy refuses nothing it uses.
func TestDocsPageInBrowser(t *testing.T) {
	bin := chromium(t)

	// Athlos with the client module: the page lists every module's
	// operations whichever run, and "Try It" gets real answers.
	app := apptest.Start(t, "client")
	base := app.BaseURL
	ops := servedOperations(t, base)
	require.NotEmpty(t, ops)

	ctx := newBrowser(t, bin)

	// Every request the page makes, and every failed one, as they happen.
	traffic := watchTraffic(t, ctx, bin)
	messages := chromedp.Console(ctx)
	var (
		consoleMu sync.Mutex
		console   []chromedp.ConsoleMessage
	)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			consoleMu.Lock()
			console = append(console, m)
			consoleMu.Unlock()
		}
	}()

	// Violations of the page's Content-Security-Policy, as the page sees
	// them (a script added through DevTools is not subject to the policy).
	cspViolations(t, ctx)

	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	shot := func(name string) {
		dir := os.Getenv(screenshotEnv)
		if dir == "" {
			dir = t.TempDir()
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		buf, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Logf("screenshot: %v", err)
			return
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf, 0o644); err == nil {
			t.Logf("screenshot: %s", p)
		}
	}

	resp, err := chromedp.Run(tctx, chromedp.NavigateResponse(base+gateway.DocsPath))
	require.NoError(t, err)
	require.Equal(t, int64(http.StatusOK), resp.Status)

	// Whatever happens below, the page must have needed nothing but the
	// front, nothing it needed may have been refused, and it must have
	// logged no error.
	defer func() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		csp, err := chromedp.Run(cctx, chromedp.Evaluate[[]string](`window.__csp`))
		require.NoError(t, err)
		assert.Empty(t, csp, "the page's Content-Security-Policy refused what the page uses")

		requests, failures := traffic.snapshot()
		require.NotEmpty(t, requests)
		var assets int
		for _, raw := range requests {
			u, err := url.Parse(raw)
			if !assert.NoError(t, err) {
				continue
			}
			if u.Scheme == "data" {
				continue // inline, fetches nothing
			}
			assert.Equal(t, base, u.Scheme+"://"+u.Host, "the page requested another host: %s", raw)
			if strings.HasPrefix(u.Path, gateway.DocsPath+"/assets/") {
				assets++
			}
		}
		assert.Equal(t, 2, assets, "the page loads the script and the stylesheet from the front: %q", requests)
		assert.Contains(t, requests, base+"/openapi.json")
		assert.Empty(t, failures, "requests that failed")

		consoleMu.Lock()
		defer consoleMu.Unlock()
		for _, m := range console {
			if m.Type == chromedp.ConsoleError || m.IsException() {
				t.Errorf("the page logged an error: %s (%s)", m, m.URL)
			}
		}
	}()

	// The sidebar groups the operations by tag, each group folded: wait
	// for the groups (Elements has fetched and read the document), unfold
	// each with a click, as a person would, and find every operation.
	var tags []string
	for _, op := range ops {
		if op.Tag != "" && !slices.Contains(tags, op.Tag) {
			tags = append(tags, op.Tag)
		}
	}
	for _, tag := range tags {
		if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`div[title="`+tag+`"]`), chromedp.NodeVisible)); err != nil {
			shot("docs-not-rendered.png")
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("the docs page shows no group %q: %v\npage text: %.2000s", tag, err, text)
		}
	}
	listed, err := chromedp.Run(tctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(
  [...document.querySelectorAll('a.ElementsTableOfContentsItem')].map(a => [a.getAttribute('href'), a.innerText.trim()]))`))
	require.NoError(t, err)
	for _, op := range ops {
		item, ok := listed["#/operations/"+op.ID]
		if assert.True(t, ok, "the sidebar does not list %s %s (%s)", op.Method, op.Path, op.ID) {
			assert.Contains(t, item, op.Summary)
			assert.Contains(t, item, op.Method)
		}
	}

	// A click on an operation shows its method and path.
	var register docOperation
	for _, op := range ops {
		if op.Path == "/v1/auth/register" && op.Method == http.MethodPost {
			register = op
		}
	}
	require.NotEmpty(t, register.Summary, "the document has no POST /v1/auth/register")
	require.NoError(t, chromedp.Do(tctx,
		chromedp.Click(chromedp.CSS(`a[href="#/operations/`+register.ID+`"]`), chromedp.NodeVisible)))
	_, err = chromedp.Run(tctx, chromedp.Poll[bool](`document.body.innerText.includes("/v1/auth/register") && location.hash.includes("`+register.ID+`")`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		shot("docs-register.png")
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + "\n" + document.body.innerText`))
		t.Fatalf("the page of %s does not show its path: %v\npage: %.2000s", register.ID, err, text)
	}

	// "Try It" sends a request to the server itself (connect-src 'self')
	// and shows its answer: the public keys of access tokens.
	require.NoError(t, chromedp.Do(tctx,
		chromedp.Click(chromedp.CSS(`a[href="#/operations/jwks"]`), chromedp.NodeVisible),
		chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Send API Request"]`), chromedp.NodeVisible)))
	_, err = chromedp.Run(tctx, chromedp.Poll[bool](`document.body.innerText.includes("200 OK") && document.body.innerText.includes('"keys"')`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		shot("docs-try-it.png")
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash + "\n" + document.body.innerText`))
		t.Fatalf("Try It showed no answer: %v\npage: %.3000s", err, text)
	}
	shot("docs.png")
	requests, _ := traffic.snapshot()
	assert.Contains(t, requests, base+"/.well-known/jwks.json", "Try It asked the server")
}
