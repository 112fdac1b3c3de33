package main

import (
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSingleNodeBackupScripts runs deploy/single/backup.sh and restore.sh
// against the built binary, both kinds: a dump while athlos runs, restored
// into a new data dir with `athlos admin restore`, and a cold copy of the
// whole data dir (PostgreSQL's files and the JetStream store) while it is
// stopped, unpacked into another. Athlos started on either knows the user
// and shows the same session; an access token issued before verifies. The
// scripts refuse the wrong state (a dump of a stopped athlos, a cold copy
// of a running one, a restore into a data dir in use) and change nothing.
func TestSingleNodeBackupScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts athlos three times: not in -short")
	}
	t.Parallel()
	scripts, err := filepath.Abs(filepath.Join("..", "..", "deploy", "single"))
	require.NoError(t, err)
	work := t.TempDir()
	script := func(data, port string, args ...string) (string, error) {
		cmd := "bash " + filepath.Join(scripts, args[0])
		for _, a := range args[1:] {
			cmd += " '" + a + "'"
		}
		return runBlock(t, cmd, work, data, port)
	}
	var pgPort string // of the data dir served next
	serve := func(data string) (*proc, string) {
		port := freePort(t)
		p := start(t, "--data-dir", data, "--http-listen", "127.0.0.1:"+port, "--nats-listen", "", "--nats-ws-listen", "",
			"--postgres-port", pgPort)
		base := "http://127.0.0.1:" + port
		waitReady(t, p, base)
		return p, base
	}

	old := filepath.Join(reachableDir(t), "data")
	pgPort = freePort(t)
	p, base := serve(old)
	const email, password = "ana@example.com", "correct horse battery staple"
	code, body := call(t, http.MethodPost, base+"/v1/auth/register", "", map[string]string{"email": email, "password": password})
	require.Equal(t, http.StatusCreated, code, "%s", body)
	token := login(t, base, email, password)
	session := importGPX(t, base, token)
	_, before := call(t, http.MethodGet, base+"/v1/sessions/"+session, token, nil)

	dump, cold := filepath.Join(work, "dump"), filepath.Join(work, "cold")
	out, err := script(old, pgPort, "backup.sh", "--cold", cold)
	require.Error(t, err, "a cold copy of a running athlos: %s", out)
	assert.Contains(t, out, "athlos runs on "+old)
	out, err = script(old, pgPort, "backup.sh", dump)
	require.NoError(t, err, "%s", out)
	assert.FileExists(t, filepath.Join(dump, "athlos.dump"))
	assert.FileExists(t, filepath.Join(dump, "athlos-secret.key"))
	require.Equal(t, 0, p.stop(t, syscall.SIGTERM))

	out, err = script(old, pgPort, "backup.sh", filepath.Join(work, "refused"))
	require.Error(t, err, "a dump of a stopped athlos: %s", out)
	assert.Contains(t, out, "athlos does not run on "+old)
	out, err = script(old, pgPort, "backup.sh", "--cold", cold)
	require.NoError(t, err, "%s", out)
	assert.FileExists(t, filepath.Join(cold, "athlos-data.tar"))

	for _, backup := range []string{dump, cold} {
		t.Run(filepath.Base(backup), func(t *testing.T) {
			data := filepath.Join(reachableDir(t), "data")
			pgPort = freePort(t)
			out, err := script(data, pgPort, "restore.sh", backup)
			require.NoError(t, err, "%s", out)
			p, base := serve(data)
			code, body := call(t, http.MethodGet, base+"/v1/me", token, nil)
			assert.Equal(t, http.StatusOK, code, "an access token issued before the backup: %s", body)
			_, after := call(t, http.MethodGet, base+"/v1/sessions/"+session, login(t, base, email, password), nil)
			assert.JSONEq(t, string(before), string(after))

			out, err = script(data, pgPort, "restore.sh", backup)
			assert.Error(t, err, "a restore into a data dir in use: %s", out)
			assert.Contains(t, out, data+" is not empty")
			require.Equal(t, 0, p.stop(t, syscall.SIGTERM))
			_, err = os.Stat(filepath.Join(data, "secret.key"))
			assert.NoError(t, err)
		})
	}
}
