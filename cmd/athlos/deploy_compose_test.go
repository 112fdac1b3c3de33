package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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
func TestComposeTopologyOnLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and four athlos processes: not in -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ex, err := deploy.NewExample()
	require.NoError(t, err)
	project, err := deploy.Compose(ctx, ex, t.TempDir())
	require.NoError(t, err)
	natsNodes := deploy.RunNATS(t, project)

	keyFile := filepath.Join(t.TempDir(), "secret.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(ex.SecretKey), 0o600))
	loopback := func(v string) string {
		for _, n := range natsNodes {
			v = strings.ReplaceAll(v, n.Name+":4222", fmt.Sprintf("127.0.0.1:%d", n.Client))
		}
		return v
	}
	wsURL := fmt.Sprintf("ws://127.0.0.1:%d", natsNodes[0].WebSocket)
	db := pgtest.NewEmptyDB(t)
	httpPort := freePort(t)

	var gateway *proc
	for _, name := range []string{"athlos-client", "athlos-training", "athlos-community", "athlos-gateway"} {
		s, ok := project.Services[name]
		require.True(t, ok, name)
		for k, v := range s.Environment {
			switch k {
			case "ATHLOS_DATABASE_URL":
				t.Setenv(k, db)
			case "ATHLOS_SECRET_KEY_FILE":
				t.Setenv(k, keyFile)
			case "ATHLOS_NATS_WS_PUBLIC_URL":
				t.Setenv(k, wsURL)
			default:
				t.Setenv(k, loopback(*v))
			}
		}
		require.Equal(t, "serve", s.Command[0])
		args := []string{"--data-dir", t.TempDir()}
		for _, a := range s.Command[1:] {
			if strings.HasPrefix(a, "--http-listen=") {
				a = "--http-listen=127.0.0.1:" + httpPort
			}
			args = append(args, a)
		}
		p := start(t, args...)
		if name == "athlos-gateway" {
			gateway = p
			continue
		}
		require.Eventually(t, func() bool { return strings.Contains(p.log(), `"msg":"athlos started"`) || p.cmd.ProcessState != nil },
			2*time.Minute, 100*time.Millisecond, "%s did not start", name)
		require.Contains(t, p.log(), `"msg":"athlos started"`, "%s:\n%s", name, p.log())
	}
	base := "http://127.0.0.1:" + httpPort
	waitReady(t, gateway, base)

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
		WebSocketURL string `json:"websocket_url"`
		InboxPrefix  string `json:"inbox_prefix"`
	}
	require.NoError(t, json.Unmarshal(body, &rt))
	assert.Equal(t, wsURL, rt.WebSocketURL, "ATHLOS_NATS_WS_PUBLIC_URL")

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
	svc, err := nats.Connect(natsNodes[1].ClientURL(), nats.UserInfo("athlos-service", *project.Services["nats1"].Environment["ATHLOS_SERVICE_PASSWORD"]))
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
