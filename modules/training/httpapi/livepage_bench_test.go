package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/platform"
)

// BenchmarkLiveView is the live-tracking page's credential endpoint as a
// page calls it: POST /v1/live/{token} over HTTP through the front, the
// RPC, the session found by its token's hash, its live figures, its 1,800
// points (a 30-minute run, one a second) read and masked by a privacy
// zone, the athlete's name asked of the client module, and the watch
// credential signed. Each request comes from another address (the front
// trusts loopback as a proxy here), so the per-address throttle does not
// refuse any. It reports the 50th and 99th percentiles of the answers.
//
//	go test ./modules/training/httpapi -run '^$' -bench LiveView -benchtime 500x
func BenchmarkLiveView(b *testing.B) {
	a := apptest.StartConfig(b, func(_ *platform.Config, c *modules.Configs) {
		c.Gateway.TrustedProxies = []string{"loopback"}
	}, "client", "training")
	token := a.SignUp("ana@example.com").AccessToken
	if r := a.Do(http.MethodPatch, "/v1/me", token, map[string]any{"first_name": "Ana"}); r.Status != http.StatusOK {
		b.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := a.Do(http.MethodPost, "/v1/me/privacy-zones", token, map[string]any{"center": map[string]any{"lat": 52.4990, "lon": 13.4}, "radius_m": 200}); r.Status != http.StatusCreated {
		b.Fatalf("%d %s", r.Status, r.Body)
	}
	var s struct {
		ID        string    `json:"id"`
		StartedAt time.Time `json:"started_at"`
	}
	a.Do(http.MethodPost, "/v1/sessions", token, map[string]any{"sport": "run"}).JSON(b, &s)
	for k := 0; k < 1800; k += 600 {
		batch := run(600, s.StartedAt.Add(time.Duration(k+599)*time.Second))
		for i := range batch {
			batch[i]["lat"] = 52.5 + float64(k+i)*3/111_257.0
		}
		if r := a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", token, map[string]any{"points": batch}); r.Status != http.StatusOK {
			b.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	var link struct {
		ShareToken string `json:"share_token"`
	}
	a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", token, nil).JSON(b, &link)
	benchRequests(b, a, http.StatusOK, func(k int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, a.BaseURL+"/v1/live/"+link.ShareToken, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255))
		return req, nil
	})
}

// BenchmarkWatch is POST /v1/sessions/{id}/watch as a watcher's app sends
// it, each request from a new watcher of a public live session (the grant
// added and the client module told, through the outbox, to renew the
// watcher's connections): the front, the RPC and the transaction.
//
//	go test ./modules/training/httpapi -run '^$' -bench Watch -benchtime 200x
func BenchmarkWatch(b *testing.B) {
	a := apptest.Start(b, "client", "training")
	owner := a.SignUp("owner@example.com").AccessToken
	var s struct {
		ID string `json:"id"`
	}
	a.Do(http.MethodPost, "/v1/sessions", owner, map[string]any{"sport": "run", "visibility": "public"}).JSON(b, &s)
	watchers := make([]string, b.N)
	for k := range watchers {
		watchers[k] = a.SignUp(fmt.Sprintf("watcher%d@example.com", k)).AccessToken
	}
	benchRequests(b, a, http.StatusOK, func(k int) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, a.BaseURL+"/v1/sessions/"+s.ID+"/watch", strings.NewReader("{}"))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+watchers[k])
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	})
}
