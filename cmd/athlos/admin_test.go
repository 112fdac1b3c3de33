package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdminCommands makes the first administrator with the CLI before the
// first start, promotes another account, and checks both through the API.
func TestAdminCommands(t *testing.T) {
	t.Parallel()
	dir := reachableDir(t)
	pgPort := freePort(t)
	common := []string{"--data-dir", dir, "--postgres-port", pgPort, "--log-level", "warn"}
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(athlosBinary(t), append(args, common...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	const pw = "correct horse battery staple"
	rootID, err := run("", "admin", "create-user", "--email", "root@example.com", "--admin", "--password", pw)
	require.NoError(t, err)
	userID, err := run(pw+"\n", "admin", "create-user", "--email", "ana@example.com")
	require.NoError(t, err, "password from standard input")
	_, err = run("", "admin", "create-user", "--email", "weak@example.com", "--password", "password1")
	assert.Error(t, err, "the password policy applies")
	_, err = run("", "admin", "promote", "nobody@example.com")
	assert.Error(t, err)

	httpPort := freePort(t)
	base := "http://127.0.0.1:" + httpPort
	p := start(t, append([]string{"--http-listen", "127.0.0.1:" + httpPort, "--nats-listen", "", "--nats-ws-listen", ""}, common...)...)
	waitReady(t, p, base)
	role := func(email string) (string, string) {
		resp, err := http.Post(base+"/v1/auth/login", "application/json",
			strings.NewReader(`{"email":"`+email+`","password":"`+pw+`"}`))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		me, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer me.Body.Close()
		var prof struct {
			UserID string `json:"user_id"`
			Role   string `json:"role"`
		}
		require.NoError(t, json.NewDecoder(me.Body).Decode(&prof))
		return prof.UserID, prof.Role
	}
	id, r := role("root@example.com")
	assert.Equal(t, rootID, id)
	assert.Equal(t, "admin", r)
	id, r = role("ana@example.com")
	assert.Equal(t, userID, id)
	assert.Equal(t, "user", r)

	// While athlos runs, the command uses its database server.
	_, err = run("", "admin", "promote", "ana@example.com")
	require.NoError(t, err)
	_, r = role("ana@example.com")
	assert.Equal(t, "admin", r)

	// An owner who lost the authenticator and the recovery codes: the
	// operator turns two-factor sign-in off.
	_, err = run("", "admin", "disable-2fa", "ana@example.com")
	assert.Error(t, err, "it is off")
	_, err = run("", "admin", "disable-2fa", "nobody@example.com")
	assert.Error(t, err)
	post := func(path, token, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(post("/v1/auth/login", "", `{"email":"ana@example.com","password":"`+pw+`"}`).Body).Decode(&tok))
	var enrol struct {
		Secret string `json:"secret"`
	}
	require.NoError(t, json.NewDecoder(post("/v1/me/2fa/totp", tok.AccessToken, "").Body).Decode(&enrol))
	code, err := totp.GenerateCode(enrol.Secret, time.Now())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, post("/v1/me/2fa/totp/confirm", tok.AccessToken, `{"code":"`+code+`","password":"`+pw+`"}`).StatusCode)
	require.Equal(t, http.StatusUnauthorized, post("/v1/auth/login", "", `{"email":"ana@example.com","password":"`+pw+`"}`).StatusCode,
		"a code is needed")
	out, err := run("", "admin", "disable-2fa", "ana@example.com")
	require.NoError(t, err)
	assert.Equal(t, userID, out)
	_, r = role("ana@example.com")
	assert.Equal(t, "admin", r, "the password alone signs in again")
	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM))

	// A lost secret key: the module refuses to start and says what to do;
	// rotating the signing key recovers, and accounts still sign in.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.key"), []byte(strings.Repeat("ab", 32)+"\n"), 0o600))
	served, err := exec.Command(athlosBinary(t), append([]string{"serve", "--http-listen", "127.0.0.1:" + httpPort,
		"--nats-listen", "", "--nats-ws-listen", ""}, common...)...).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(served), "rotate-keys")
	_, err = run("", "admin", "rotate-keys")
	require.NoError(t, err)
	p = start(t, append([]string{"--http-listen", "127.0.0.1:" + httpPort, "--nats-listen", "", "--nats-ws-listen", ""}, common...)...)
	waitReady(t, p, base)
	_, r = role("root@example.com")
	assert.Equal(t, "admin", r)
	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM))
}
