package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docBlocks returns the ```sh blocks of a section of docs/operations.md.
func docBlocks(t *testing.T, heading string) []string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	require.NoError(t, err)
	text := string(doc)
	i := strings.Index(text, "\n"+heading+"\n")
	require.GreaterOrEqual(t, i, 0, "docs/operations.md has no %q", heading)
	text = text[i+len(heading)+2:]
	if j := regexp.MustCompile(`\n##+ `).FindStringIndex(text); j != nil {
		text = text[:j[0]]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)\n```sh\n(.*?)\n```\n").FindAllStringSubmatch(text, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// runBlock runs a block of the docs with bash in dir, with $DATA and $PORT
// set and the built athlos first on PATH.
func runBlock(t *testing.T, block, dir, data, port string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", block)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DATA="+data, "PORT="+port,
		"PATH="+filepath.Dir(athlosBinary(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// call makes an HTTP request (a JSON body unless nil) and returns the
// status and the answer.
func call(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, answer
}

// login signs in and returns the access token.
func login(t *testing.T, base, email, password string) string {
	t.Helper()
	code, body := call(t, http.MethodPost, base+"/v1/auth/login", "", map[string]string{"email": email, "password": password})
	require.Equal(t, http.StatusOK, code, "%s", body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(body, &tok))
	return tok.AccessToken
}

// importGPX imports a real workout file and returns the session's id.
func importGPX(t *testing.T, base, token string) string {
	t.Helper()
	gpx, err := os.ReadFile(filepath.Join("..", "..", "modules", "training", "internal", "importer", "testdata",
		"georust-gpx__run-hr-cad__garmin-activity.gpx"))
	require.NoError(t, err)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("sport", "run"))
	f, err := w.CreateFormFile("file", "run.gpx")
	require.NoError(t, err)
	_, err = f.Write(gpx)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, base+"/v1/sessions/import", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", answer)
	var res struct {
		Session struct {
			ID string `json:"id"`
		} `json:"session"`
	}
	require.NoError(t, json.Unmarshal(answer, &res))
	return res.Session.ID
}

// TestBackupAndRestoreOnANewMachine runs the backup and restore of
// docs/operations.md ("A dump, and restoring it on a new machine") as they
// are written: an athlos with a user and a session with a route is dumped
// while it runs, its data dir is removed, the dump and the secret key are
// restored into a new data dir, and athlos started on it knows the user,
// shows the same session and route, and verifies an access token issued
// before. The ways a restore is refused are tried too, and change nothing.
func TestBackupAndRestoreOnANewMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts athlos three times: not in -short")
	}
	t.Parallel()
	blocks := docBlocks(t, "### A dump, and restoring it on a new machine")
	require.Len(t, blocks, 2, "a backup block and a restore block")
	backup, restore := blocks[0], blocks[1]
	work := t.TempDir()
	serveArgs := func(data, port string) []string {
		return []string{"--data-dir", data, "--http-listen", "127.0.0.1:" + port, "--nats-listen", "", "--nats-ws-listen", "",
			"--postgres-port"}
	}

	// The old machine.
	old := filepath.Join(reachableDir(t), "data")
	oldHTTP, oldPG := freePort(t), freePort(t)
	oldBase := "http://127.0.0.1:" + oldHTTP
	p := start(t, append(serveArgs(old, oldHTTP), oldPG)...)
	waitReady(t, p, oldBase)
	const email, password = "ana@example.com", "correct horse battery staple"
	code, body := call(t, http.MethodPost, oldBase+"/v1/auth/register", "", map[string]string{"email": email, "password": password})
	require.Equal(t, http.StatusCreated, code, "%s", body)
	token := login(t, oldBase, email, password)
	session := importGPX(t, oldBase, token)
	_, sessionBefore := call(t, http.MethodGet, oldBase+"/v1/sessions/"+session, token, nil)
	code, routeBefore := call(t, http.MethodGet, oldBase+"/v1/sessions/"+session+"/route", token, nil)
	require.Equal(t, http.StatusOK, code, "%s", routeBefore)

	out, err := runBlock(t, backup, work, old, oldPG)
	require.NoError(t, err, "the backup of the docs:\n%s", out)
	require.FileExists(t, filepath.Join(work, "athlos.dump"))
	require.Equal(t, 0, p.stop(t, syscall.SIGTERM))
	code, out = admin(t, "remove-data-dir", "--data-dir", old)
	require.Equal(t, 0, code, out)

	// Refused restores change nothing.
	fresh := func() string { return filepath.Join(reachableDir(t), "data") }
	newPG := freePort(t)
	bare := fresh()
	code, out = admin(t, "restore", "--data-dir", bare, "--postgres-port", newPG, filepath.Join(work, "athlos.dump"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "no secret key at "+filepath.Join(bare, "secret.key")+": put the secret.key of the machine the dump comes from there first")
	assert.NoDirExists(t, bare, "a refused restore creates nothing")
	code, out = admin(t, "restore", "--data-dir", bare, filepath.Join(work, "athlos-secret.key"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "is not an archive of pg_dump -Fc")
	assert.NoDirExists(t, bare)
	code, out = admin(t, "restore", "--data-dir", bare, "--database-url", "postgres://x@127.0.0.1/athlos", filepath.Join(work, "athlos.dump"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "restore into a database of your own with pg_restore")

	wrongKey := fresh()
	require.NoError(t, os.MkdirAll(wrongKey, 0o711))
	require.NoError(t, os.WriteFile(filepath.Join(wrongKey, "secret.key"), []byte(strings.Repeat("ab", 32)+"\n"), 0o600))
	code, out = admin(t, "restore", "--data-dir", wrongKey, "--postgres-port", newPG, filepath.Join(work, "athlos.dump"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "does not open the signing keys of this dump")
	assert.Contains(t, out, "nothing was restored")

	// The new machine, by the docs.
	data := fresh()
	out, err = runBlock(t, restore, work, data, newPG)
	require.NoError(t, err, "the restore of the docs:\n%s", out)
	assert.Contains(t, out, "restored athlos.dump into "+data)
	t.Logf("the restore of the docs:\n%s", out)

	newHTTP := freePort(t)
	newBase := "http://127.0.0.1:" + newHTTP
	p = start(t, append(serveArgs(data, newHTTP), newPG)...)
	waitReady(t, p, newBase)
	code, body = call(t, http.MethodGet, newBase+"/v1/me", token, nil)
	assert.Equal(t, http.StatusOK, code, "an access token issued before the dump verifies: %s", body)
	fresher := login(t, newBase, email, password)
	_, sessionAfter := call(t, http.MethodGet, newBase+"/v1/sessions/"+session, fresher, nil)
	assert.JSONEq(t, string(sessionBefore), string(sessionAfter))
	_, routeAfter := call(t, http.MethodGet, newBase+"/v1/sessions/"+session+"/route", fresher, nil)
	assert.JSONEq(t, string(routeBefore), string(routeAfter))
	_, list := call(t, http.MethodGet, newBase+"/v1/sessions", fresher, nil)
	assert.Contains(t, string(list), session)

	// A data dir athlos runs on, or has run on, is refused.
	code, out = admin(t, "restore", "--data-dir", data, "--postgres-port", newPG, filepath.Join(work, "athlos.dump"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "athlos runs on "+data)
	require.Equal(t, 0, p.stop(t, syscall.SIGTERM))
	code, out = admin(t, "restore", "--data-dir", data, "--postgres-port", newPG, filepath.Join(work, "athlos.dump"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "holds athlos data already")

	// The data dir refused for its wrong key, its key lost: --rotate-keys
	// restores with a new secret key; the account signs in, and the old
	// access token no longer verifies.
	require.NoError(t, os.Remove(filepath.Join(wrongKey, "secret.key")))
	code, out = admin(t, "restore", "--data-dir", wrongKey, "--postgres-port", newPG, "--rotate-keys", filepath.Join(work, "athlos.dump"))
	require.Equal(t, 0, code, out)
	p = start(t, append(serveArgs(wrongKey, newHTTP), newPG)...)
	waitReady(t, p, newBase)
	code, _ = call(t, http.MethodGet, newBase+"/v1/me", token, nil)
	assert.Equal(t, http.StatusUnauthorized, code, "signed with the lost key's signing key")
	_, sessionAfter = call(t, http.MethodGet, newBase+"/v1/sessions/"+session, login(t, newBase, email, password), nil)
	assert.JSONEq(t, string(sessionBefore), string(sessionAfter))
	require.Equal(t, 0, p.stop(t, syscall.SIGTERM))
}
