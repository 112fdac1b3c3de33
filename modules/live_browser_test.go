package modules_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/gateway"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// newBrowser starts headless Chromium (bin) with the flags this machine
// needs: run as root (no sandbox), no GPU, and none of Chromium's own
// connections (updates, sync, QUIC, background networking), which a closed
// network refuses. It ends with the test.
func newBrowser(t testing.TB, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		// Its own temporary files (a folder per run) go where the test's go.
		chromedp.Env("TMPDIR="+t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	return ctx
}

// traffic is what a page asked for: every request (and WebSocket) it
// made, and every one that failed, as they happen.
type traffic struct {
	mu                 sync.Mutex
	requests, failures []string
}

// watchTraffic records the traffic of the browser's pages; it starts the
// browser (bin), with no deadline: a deadline on the first action would
// end the browser too.
func watchTraffic(t testing.TB, ctx context.Context, bin string) *traffic {
	t.Helper()
	tr := &traffic{}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			tr.requests = append(tr.requests, e.Request.URL)
		case *network.EventWebSocketCreated:
			tr.requests = append(tr.requests, e.URL)
		case *network.EventLoadingFailed:
			tr.failures = append(tr.failures, string(e.Type)+" "+e.ErrorText+" "+string(e.BlockedReason))
		}
	}), "starting %s", bin)
	return tr
}

// snapshot returns the requests and the failures so far.
func (tr *traffic) snapshot() (requests, failures []string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.requests), slices.Clone(tr.failures)
}

// cspViolations records, from the next page on, what the page's
// Content-Security-Policy refuses (window.__csp).
func cspViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(e.effectiveDirective + ' refused ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`,
	})
	require.NoError(t, err)
}

// runPoints are n points of a run at 3 m/s northwards, the i-th (from
// first) i seconds after start.
func runPoints(start time.Time, first, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		k := first + i
		out[i] = map[string]any{"t": start.Add(time.Duration(k) * time.Second).UTC().Format(time.RFC3339),
			"lat": 52.5 + float64(k)*3/111_257.0, "lon": 13.4, "ele": 34.0, "hr": 140 + k%20}
	}
	return out
}

// TestLivePageInBrowser opens an athlete's share link in headless Chromium
// as a person without an account would: the page shows the athlete's
// name, sport and figures and draws the track; as the athlete sends
// points, the figures and the track change (over NATS WebSocket, with the
// page's watch credential); when the athlete revokes the link, the page
// says so. The credential lives 65 s here: the page renews it after 5 s
// (a minute before it expires) and follows on a new connection. Nothing the page uses is refused by its Content-Security-Policy,
// and it asks nothing of any host but the front and its NATS WebSocket.
func TestLivePageInBrowser(t *testing.T) {
	bin := chromium(t)
	app := apptest.StartConfig(t, func(_ *platform.Config, c *modules.Configs) {
		c.Training.LiveCredentialTTL = 65 * time.Second
	}, "client", "training")

	// Ana's live session, shared, with 30 points already.
	ana := app.SignUp("ana@example.com").AccessToken
	require.Equal(t, http.StatusOK, app.Do(http.MethodPatch, "/v1/me", ana, map[string]any{"first_name": "Ana", "last_name": "Lima"}).Status)
	var s trainingapi.Session
	r := app.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "visibility": "private"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &s)
	var link trainingapi.ShareLink
	r = app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &link)
	r = app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": runPoints(s.StartedAt, 0, 30)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	ctx := newBrowser(t, bin)
	traffic := watchTraffic(t, ctx, bin)
	cspViolations(t, ctx)

	tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	pageText := func() string {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		return text
	}
	waitFor := func(what, cond string) {
		t.Helper()
		_, err := chromedp.Run(tctx, chromedp.Poll[bool](cond,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
		require.NoError(t, err, "%s; the page shows:\n%.2000s", what, pageText())
	}
	text := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById("`+id+`").textContent`))
		require.NoError(t, err)
		return v
	}
	trackPoints := func() int {
		t.Helper()
		v, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById("map").dataset.points || "0"`))
		require.NoError(t, err)
		n, _ := strconv.Atoi(v)
		return n
	}

	resp, err := chromedp.Run(tctx, chromedp.NavigateResponse(app.BaseURL+gateway.LivePath+link.ShareToken))
	require.NoError(t, err)
	require.Equal(t, int64(http.StatusOK), resp.Status)
	waitFor("the athlete's name", `document.getElementById("name").textContent === "Ana Lima"`)
	assert.Equal(t, "run", text("sport"))
	assert.Equal(t, "0.09 km", text("distance"))
	assert.Equal(t, "5:33 /km", text("pace"))
	assert.Equal(t, "149 bpm", text("hr"))
	assert.Equal(t, 30, trackPoints(), "the track so far")
	polylines, err := chromedp.Run(tctx, chromedp.Evaluate[int](`document.querySelectorAll("#map polyline").length`))
	require.NoError(t, err)
	assert.Equal(t, 1, polylines)
	elapsed := text("elapsed")
	waitFor("the elapsed time ticking", `document.getElementById("elapsed").textContent !== "`+elapsed+`"`)

	// Before the credential expires, the page asks for a new one and
	// moves to a new connection.
	viewURL := app.BaseURL + "/v1/live/" + link.ShareToken
	renewed := func() (views, sockets int) {
		requests, _ := traffic.snapshot()
		for _, r := range requests {
			switch {
			case r == viewURL:
				views++
			case strings.HasPrefix(r, "ws"):
				sockets++
			}
		}
		return views, sockets
	}
	require.Eventually(t, func() bool { v, s := renewed(); return v >= 2 && s >= 2 }, 30*time.Second, 100*time.Millisecond,
		"the page did not renew its credential: %q", func() []string { r, _ := traffic.snapshot(); return r }())

	// Ana runs on: her points reach the page over NATS. (The page may not
	// have subscribed yet when the first batch goes: send until it shows.)
	distance := text("distance")
	sent := 30
	deadline := time.Now().Add(30 * time.Second)
	for trackPoints() <= 30 || text("distance") == distance {
		require.True(t, time.Now().Before(deadline), "the page never showed the new points; it shows:\n%s", pageText())
		r := app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": runPoints(s.StartedAt, sent, 10)})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		sent += 10
		time.Sleep(1500 * time.Millisecond)
	}
	assert.NotEqual(t, distance, text("distance"))
	assert.Contains(t, text("state"), "live")
	if dir := os.Getenv(screenshotEnv); dir != "" {
		buf, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "live.png"), buf, 0o644))
	}

	// Ana revokes the link: the server closes the page's connection, the
	// page asks again and says the link no longer works.
	require.Equal(t, http.StatusNoContent, app.Do(http.MethodDelete, "/v1/sessions/"+s.ID+"/share", ana, nil).Status)
	waitFor("the revoked link's message", `document.getElementById("message").textContent.includes("stopped sharing")`)

	csp, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`window.__csp`))
	require.NoError(t, err)
	assert.Empty(t, csp, "the page's Content-Security-Policy refused what the page uses")
	requests, failures := traffic.snapshot()
	ws, _ := url.Parse(app.WebSocketURL)
	var assets, sockets int
	for _, raw := range requests {
		u, err := url.Parse(raw)
		if !assert.NoError(t, err) || u.Scheme == "data" {
			continue
		}
		switch u.Scheme {
		case "ws", "wss":
			assert.Equal(t, ws.Host, u.Host, "the page opened a WebSocket to another host: %s", raw)
			sockets++
		default:
			assert.Equal(t, app.BaseURL, u.Scheme+"://"+u.Host, "the page requested another host: %s", raw)
		}
		if strings.HasPrefix(u.Path, gateway.LivePath+"assets/") {
			assets++
		}
	}
	assert.Equal(t, 3, assets, "the script, its NATS client and the stylesheet: %q", requests)
	assert.Positive(t, sockets, "the page followed the session over NATS WebSocket")
	assert.Empty(t, failures, "requests that failed")
}

// BenchmarkLivePage measures what a person opening a share link waits
// for, in headless Chromium: from the navigation to the figures on the
// page (the HTML, the script and its NATS client, POST /v1/live/{token},
// drawn), and from the athlete's points (POST .../points answered) to the
// page showing them over NATS WebSocket, which includes the live figures'
// pacing of one message a second per session. The page is polled every
// 5 ms. It reports the 50th and 99th percentiles of each.
//
//	go test ./modules -run '^$' -bench LivePage -benchtime 20x
func BenchmarkLivePage(b *testing.B) {
	bin := chromium(b)
	app := apptest.Start(b, "client", "training")
	ana := app.SignUp("ana@example.com").AccessToken
	var s trainingapi.Session
	app.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"}).JSON(b, &s)
	var link trainingapi.ShareLink
	app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil).JSON(b, &link)
	// The points start almost 10 minutes before the session (the most the
	// server takes), so none is from the future.
	base := s.StartedAt.Add(-590 * time.Second)
	if r := app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": runPoints(base, 0, 300)}); r.Status != http.StatusOK {
		b.Fatalf("%d %s", r.Status, r.Body)
	}
	ctx := newBrowser(b, bin)
	watchTraffic(b, ctx, bin)
	poll := func(cond string) {
		b.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(tctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(5*time.Millisecond))); err != nil {
			b.Fatalf("%s: %v", cond, err)
		}
	}
	var first, live []time.Duration
	sent := 300
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		nctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := chromedp.Run(nctx, chromedp.Navigate(app.BaseURL+gateway.LivePath+link.ShareToken))
		cancel()
		if err != nil {
			b.Fatalf("navigate: %v", err)
		}
		poll(`document.getElementById("distance").textContent.endsWith(" km")`)
		first = append(first, time.Since(start))
		// The page is connected once it shows no message and its figures;
		// points go until it shows them (the first may beat its
		// subscription).
		before := strconv.Itoa(sent)
		for try := 0; ; try++ {
			if try == 10 {
				b.Fatalf("the page never showed a new point")
			}
			r := app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": runPoints(base, sent, 1)})
			if r.Status != http.StatusOK {
				b.Fatalf("%d %s", r.Status, r.Body)
			}
			sent++
			at := time.Now()
			tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			_, err := chromedp.Run(tctx, chromedp.Poll[bool](`document.getElementById("map").dataset.points > `+before,
				chromedp.WithPollingInterval(5*time.Millisecond)))
			cancel()
			if err == nil {
				live = append(live, time.Since(at))
				break
			}
		}
	}
	b.StopTimer()
	for name, took := range map[string][]time.Duration{"first": first, "live": live} {
		slices.Sort(took)
		pct := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
		b.ReportMetric(float64(pct(0.50).Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(pct(0.99).Microseconds())/1000, name+"-p99-ms")
	}
}

// TestLivePageTilesInBrowser: with a tile server configured, the page
// draws its tiles under the track, and its policy lets them in (from that
// server only).
func TestLivePageTilesInBrowser(t *testing.T) {
	bin := chromium(t)
	// A tile server: a 1×1 PNG for every tile, counting them.
	png, err := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
	require.NoError(t, err)
	var tiles atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tiles.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	}))
	t.Cleanup(srv.Close)
	app := apptest.StartConfig(t, func(_ *platform.Config, c *modules.Configs) {
		c.Gateway.LiveTilesURL = srv.URL + "/{z}/{x}/{y}.png"
	}, "client", "training")
	ana := app.SignUp("ana@example.com").AccessToken
	var s trainingapi.Session
	app.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"}).JSON(t, &s)
	var link trainingapi.ShareLink
	app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana, nil).JSON(t, &link)
	r := app.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana, map[string]any{"points": runPoints(s.StartedAt.Add(-5*time.Minute), 0, 60)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	ctx := newBrowser(t, bin)
	watchTraffic(t, ctx, bin)
	cspViolations(t, ctx)
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	_, err = chromedp.Run(tctx, chromedp.Navigate(app.BaseURL+gateway.LivePath+link.ShareToken))
	require.NoError(t, err)
	_, err = chromedp.Run(tctx, chromedp.Poll[bool](`document.querySelectorAll("#map image").length > 0 && document.getElementById("map").dataset.points === "60"`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	hrefs, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#map image")].map(i => i.getAttribute("href"))`))
	require.NoError(t, err)
	for _, h := range hrefs {
		assert.Regexp(t, `^`+regexp.QuoteMeta(srv.URL)+`/\d+/\d+/\d+\.png$`, h)
	}
	require.Eventually(t, func() bool { return tiles.Load() >= int64(len(hrefs)) }, 10*time.Second, 50*time.Millisecond,
		"the browser fetched the tiles")
	csp, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`window.__csp`))
	require.NoError(t, err)
	assert.Empty(t, csp)
}
