package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/deploy"
	"github.com/athlos/athlos/storage/pgtest"
)

// TestComposeTopologyOnLoopback runs the Docker Compose recipe's cluster
// without Docker: its three NATS servers from the shipped nats.conf with the
// environment Compose gives them, and one process of each of its athlos
// services from the built binary, with each service's command and
// environment (hosts moved to loopback, the test's PostgreSQL for the
// database URL). The processes migrate a new database together; an app
// signs in through the gateway, connects to the NATS WebSocket of the
// external servers with its access token (the auth callout, configured
// with the output of `athlos admin callout-keys`), streams telemetry into
// the R3 stream, and the training process stores it.
func TestComposeTopologyOnLoopback(t *testing.T) { runRecipeOnLoopback(t, "compose service ") }

// TestKubernetesTopologyOnLoopback does the same with the athlos
// Deployments of the Kubernetes overlay, rendered by kustomize: their args
// and the environment of their ConfigMap (the NATS servers, their
// passwords and the database are the test's, on loopback). Every pod runs
// the gateway module for its probes: each answers /readyz.
func TestKubernetesTopologyOnLoopback(t *testing.T) {
	runRecipeOnLoopback(t, "overlays/prod Deployment ")
}

func runRecipeOnLoopback(t *testing.T, recipe string) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and four athlos processes: not in -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ex, err := deploy.NewExample()
	require.NoError(t, err)
	project, err := deploy.Compose(ctx, ex, t.TempDir())
	require.NoError(t, err)
	natsNodes := deploy.RunNATS(t, project, func() int {
		// Ports no other test of this binary is given (freePort).
		p, err := strconv.Atoi(freePort(t))
		require.NoError(t, err)
		return p
	})
	natsEnv := func(k string) string { return *project.Services["nats1"].Environment[k] }
	invs, err := deploy.Invocations(ctx, t.TempDir())
	require.NoError(t, err)

	keyFile := filepath.Join(t.TempDir(), "secret.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(ex.SecretKey), 0o600))
	var urls []string
	for _, n := range natsNodes {
		urls = append(urls, n.ClientURL())
	}
	wsURL := fmt.Sprintf("ws://127.0.0.1:%d", natsNodes[0].WebSocket)
	// What the test puts in place of the recipe's hosts and secrets.
	local := map[string]string{
		"ATHLOS_NATS":                 strings.Join(urls, ","),
		"ATHLOS_NATS_PASSWORD":        natsEnv("ATHLOS_SERVICE_PASSWORD"),
		"ATHLOS_NATS_APP_PASSWORD":    natsEnv("ATHLOS_APP_PASSWORD"),
		"ATHLOS_NATS_SYSTEM_PASSWORD": natsEnv("ATHLOS_SYSTEM_PASSWORD"),
		"ATHLOS_DATABASE_URL":         pgtest.NewEmptyDB(t),
		"ATHLOS_SECRET_KEY_FILE":      keyFile,
		"ATHLOS_NATS_WS_PUBLIC_URL":   wsURL,
		"ATHLOS_NATS_WS_PEER_URLS": fmt.Sprintf("ws://127.0.0.1:%d,ws://127.0.0.1:%d",
			natsNodes[1].WebSocket, natsNodes[2].WebSocket),
		"ATHLOS_SMTP_URL": "", // mail to the log, not to smtp.example.com
	}
	vars := serveVariables(t)

	var gateway *proc
	var base string
	var gatewayEnv map[string]string
	var ran int
	for _, inv := range invs {
		name, ok := strings.CutPrefix(inv.Recipe, recipe)
		if !ok {
			continue
		}
		ran++
		for v := range vars {
			t.Setenv(v, "")
			require.NoError(t, os.Unsetenv(v))
		}
		for k, v := range inv.Env {
			if lv, ok := local[k]; ok {
				v = lv
			}
			t.Setenv(k, v)
		}
		httpPort := freePort(t)
		t.Setenv("ATHLOS_HTTP_LISTEN", "127.0.0.1:"+httpPort)
		require.Equal(t, "serve", inv.Args[0])
		args := []string{"--data-dir", t.TempDir()}
		for _, a := range inv.Args[1:] {
			if strings.HasPrefix(a, "--http-listen=") {
				a = "--http-listen=127.0.0.1:" + httpPort
			}
			args = append(args, a)
		}
		p := start(t, args...)
		if strings.Contains(inv.Modules(), "gateway") {
			waitReady(t, p, "http://127.0.0.1:"+httpPort)
		} else {
			require.Eventually(t, func() bool { return strings.Contains(p.log(), `"msg":"athlos started"`) || p.cmd.ProcessState != nil },
				2*time.Minute, 100*time.Millisecond, "%s did not start", name)
			require.Contains(t, p.log(), `"msg":"athlos started"`, "%s:\n%s", name, p.log())
		}
		if name == "athlos-gateway" {
			gateway, base, gatewayEnv = p, "http://127.0.0.1:"+httpPort, inv.Env
		}
	}
	require.Equal(t, 4, ran, "four module groups")
	require.NotNil(t, gateway)

	// An app: an account, a live session, the real-time details.
	var tok struct {
		AccessToken string `json:"access_token"`
		UserID      string `json:"user_id"`
	}
	crashPostJSON(t, base+"/v1/auth/register", "", map[string]any{"email": "ana@example.com", "password": "correct horse battery staple"}, &tok)
	var session struct {
		ID string `json:"id"`
	}
	crashPostJSON(t, base+"/v1/sessions", tok.AccessToken, map[string]any{"sport": "run"}, &session)
	code, body := call(t, http.MethodGet, base+"/v1/realtime", tok.AccessToken, nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	var rt struct {
		WebSocketURL  string   `json:"websocket_url"`
		WebSocketURLs []string `json:"websocket_urls"`
		InboxPrefix   string   `json:"inbox_prefix"`
	}
	require.NoError(t, json.Unmarshal(body, &rt))
	assert.Equal(t, wsURL, rt.WebSocketURL, "ATHLOS_NATS_WS_PUBLIC_URL")
	if _, ok := gatewayEnv["ATHLOS_NATS_WS_PEER_URLS"]; ok {
		assert.Equal(t, append([]string{wsURL}, strings.Split(local["ATHLOS_NATS_WS_PEER_URLS"], ",")...), rt.WebSocketURLs,
			"the other servers for reconnects (ATHLOS_NATS_WS_PEER_URLS)")
	}

	// Through the external servers' WebSocket and the auth callout.
	nc, err := nats.Connect(rt.WebSocketURL, nats.Token(tok.AccessToken), nats.CustomInboxPrefix(rt.InboxPrefix), nats.Timeout(10*time.Second))
	require.NoError(t, err, "the app connects over the external NATS's WebSocket")
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	startAt := time.Now().Add(-time.Minute).UTC()
	for i := range 5 {
		points, _ := json.Marshal(map[string]any{"points": []map[string]any{{
			"t": startAt.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano), "lat": 52.5 + float64(i)*3/111_195, "lon": 13.4}}})
		ack, err := js.Publish(ctx, "live.telemetry."+tok.UserID+"."+session.ID, points)
		require.NoError(t, err, "point %d", i)
		assert.Equal(t, "TELEMETRY", ack.Stream)
	}
	assert.Eventually(t, func() bool {
		code, body := call(t, http.MethodGet, base+"/v1/sessions/"+session.ID, tok.AccessToken, nil)
		var s struct {
			PointsStored int `json:"points_stored"`
		}
		return code == http.StatusOK && json.Unmarshal(body, &s) == nil && s.PointsStored == 5
	}, 30*time.Second, 100*time.Millisecond, "the training process stores the points")
	if t.Failed() {
		_, body := call(t, http.MethodGet, base+"/v1/sessions/"+session.ID, tok.AccessToken, nil)
		t.Logf("the session: %s", body)
	}

	// The streams are R3 on the three servers (ATHLOS_REPLICAS).
	svc, err := nats.Connect(natsNodes[1].ClientURL(), nats.UserInfo("athlos-service", natsEnv("ATHLOS_SERVICE_PASSWORD")))
	require.NoError(t, err)
	defer svc.Close()
	sjs, err := jetstream.New(svc)
	require.NoError(t, err)
	stream, err := sjs.Stream(ctx, "TELEMETRY")
	require.NoError(t, err)
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, info.Config.Replicas)
}
