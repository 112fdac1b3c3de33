package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// exampleDir is the documented nats.js example: realtime.mjs, with its
// dependencies pinned in package.json and package-lock.json.
const exampleDir = "../../../docs/examples/nats-js"

// npmUnreachable are npm's words for a registry it cannot reach.
var npmUnreachable = regexp.MustCompile(`ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|network`)

// The documented JavaScript flow, run as it is written with the stock
// nats.js v3 packages (installed with npm ci from the committed lock file)
// against a running Athlos whose access tokens live 3 s: it signs in,
// connects with a token authenticator, starts a session after connecting,
// publishes telemetry with a Nats-Msg-Id and gets the PubAcks, refreshes
// its token over HTTP and reconnects with it at each expiry, and receives
// the live figures of its session on the same connection.
func TestDocumentedNATSJSFlow(t *testing.T) {
	t.Parallel()
	node, errNode := exec.LookPath("node")
	npm, errNPM := exec.LookPath("npm")
	if errNode != nil || errNPM != nil {
		t.Skip("node and npm are needed to run the documented nats.js example (docs/examples/nats-js); not found on PATH")
	}
	dir := t.TempDir()
	require.NoError(t, copyDir(exampleDir, dir))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		if npmUnreachable.Match(out) {
			t.Skipf("npm cannot reach its registry to install the example's packages: %v\n%s", err, out)
		}
		t.Fatalf("npm ci: %v\n%s", err, out)
	}

	const ttl = 3 * time.Second
	a := apptest.StartConfig(t, func(_ *platform.Config, m *modules.Configs) { m.Client.AccessTokenTTL = ttl }, "client", "training")
	doc := asyncAPI(t, a)
	r := a.Do(http.MethodPost, "/v1/auth/register", "", map[string]any{"email": "ana@example.com", "password": "correct horse battery staple"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var me struct {
		AccessToken string `json:"access_token"`
		UserID      string `json:"user_id"`
	}
	r.JSON(t, &me)

	const messages = 10
	run := exec.CommandContext(ctx, node, "realtime.mjs")
	run.Dir = dir
	run.Env = append(os.Environ(), "ATHLOS_URL="+a.BaseURL, "ATHLOS_EMAIL=ana@example.com",
		"ATHLOS_PASSWORD=correct horse battery staple", "MESSAGES="+strconv.Itoa(messages))
	var stderr bytes.Buffer
	run.Stderr = &stderr
	out, err := run.Output()
	t.Logf("node realtime.mjs:\n%s%s", out, stderr.String())
	require.NoError(t, err)

	var sessionID string
	var acks, refreshes, reconnects int
	var last *api.LiveStats
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var ev map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), sc.Text())
		switch {
		case ev["session"] != nil:
			require.NoError(t, json.Unmarshal(ev["session"], &sessionID))
		case ev["ack"] != nil:
			doc.Payload(t, "telemetry", ev["telemetry"])
			var ack bus.PubAck
			require.NoError(t, json.Unmarshal(ev["ack"], &ack))
			assert.Equal(t, bus.StreamTelemetry, ack.Stream)
			assert.False(t, ack.Duplicate)
			acks++
		case ev["figures"] != nil:
			doc.Payload(t, "liveFigures", ev["figures"])
			var subject string
			require.NoError(t, json.Unmarshal(ev["subject"], &subject))
			assert.Equal(t, api.LiveSessionSubject(me.UserID, sessionID), subject)
			last = &api.LiveStats{}
			require.NoError(t, json.Unmarshal(ev["figures"], last))
		case ev["refused"] != nil:
			t.Errorf("refused: %s", ev["refused"])
		case ev["done"] != nil:
			var done struct{ Refreshes, Reconnects int }
			require.NoError(t, json.Unmarshal(ev["done"], &done))
			refreshes, reconnects = done.Refreshes, done.Reconnects
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, messages, acks, "every message acknowledged")
	require.NotNil(t, last, "no live figures")
	assert.Equal(t, sessionID, last.SessionID)
	assert.Equal(t, messages, last.Points, "the figures of every point")
	assert.GreaterOrEqual(t, refreshes, 3, "the token refreshed over HTTP")
	assert.GreaterOrEqual(t, reconnects, 2, "reconnected with the fresh token at each expiry")
	r = a.Do(http.MethodPost, "/v1/auth/login", "", map[string]any{"email": "ana@example.com", "password": "correct horse battery staple"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &me)
	assert.Equal(t, messages, getSession(t, a, me.AccessToken, sessionID).PointsStored, "every point once")
}

// copyDir copies the regular files of src (not node_modules) into dst.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return errors.New("not a regular file: " + path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
}
