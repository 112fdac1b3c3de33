package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v3"

	"github.com/athlos/athlos/deploy"
	"github.com/athlos/athlos/modules"
)

// serveVariables maps every variable `athlos serve` reads to its flag.
func serveVariables(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, f := range newApp().Command("serve").Flags {
		ef, ok := f.(interface{ GetEnvVars() []string })
		require.True(t, ok, "%v", f.Names())
		for _, v := range ef.GetEnvVars() {
			vars[v] = f.Names()[0]
		}
	}
	return vars
}

// TestDeployRecipesPassRealFlags parses every athlos invocation of deploy/
// (the systemd unit, the example configuration, the Compose services, the
// Kubernetes Deployments rendered by kustomize) with the real command
// line: every flag exists and every value parses, every ATHLOS_* variable
// is one serve reads, the modules exist. The example configuration names
// every variable serve reads, and the clusters run every module in two
// copies at least.
func TestDeployRecipesPassRealFlags(t *testing.T) {
	invs, err := deploy.Invocations(context.Background(), t.TempDir())
	require.NoError(t, err)
	vars := serveVariables(t)
	copies := map[string]map[string]int{} // recipe kind → module → processes
	for _, inv := range invs {
		t.Run(inv.Recipe, func(t *testing.T) {
			require.NotEmpty(t, inv.Args)
			require.Equal(t, "serve", inv.Args[0])
			// Only the invocation's variables are in the environment.
			for v := range vars {
				if _, ok := os.LookupEnv(v); ok {
					t.Setenv(v, "")
					require.NoError(t, os.Unsetenv(v))
				}
			}
			for k, v := range inv.Env {
				assert.Contains(t, vars, k, "athlos serve reads no variable %s", k)
				t.Setenv(k, v)
			}
			app := newApp()
			var ran bool
			app.Command("serve").Action = func(_ context.Context, c *cli.Command) error {
				ran = true
				for k, v := range inv.Env {
					if flag, ok := vars[k]; ok && v != "" {
						assert.True(t, c.IsSet(flag), "%s=%s did not set --%s", k, v, flag)
					}
				}
				cfg, err := configFrom(c)
				require.NoError(t, err)
				if cfg.Modules != nil {
					_, err = modules.Options(cfg.Modules, modules.DefaultConfigs())
					assert.NoError(t, err, "--modules")
				}
				return nil
			}
			var out bytes.Buffer
			app.Writer, app.ErrWriter = &out, &out
			require.NoError(t, app.Run(context.Background(), append([]string{"athlos"}, inv.Args...)), "%s", out.String())
			require.True(t, ran)
		})
		kind, _, _ := strings.Cut(inv.Recipe, " ")
		if kind == "compose" || strings.HasPrefix(kind, "overlays/") {
			if copies[kind] == nil {
				copies[kind] = map[string]int{}
			}
			for _, m := range strings.Split(inv.Modules(), ",") {
				copies[kind][m] += inv.Copies
			}
		}
	}

	require.Contains(t, copies, "compose")
	require.Contains(t, copies, "overlays/prod")
	for kind, n := range copies {
		for _, m := range modules.Names() {
			assert.GreaterOrEqual(t, n[m], 2, "%s runs %s in %d processes", kind, m, n[m])
		}
	}

	i := slices.IndexFunc(invs, func(inv deploy.Invocation) bool { return inv.Recipe == "single/athlos.env" })
	require.GreaterOrEqual(t, i, 0)
	for v, flag := range vars {
		assert.Contains(t, invs[i].Env, v, "deploy/single/athlos.env does not name %s (--%s): add it, commented out with its default", v, flag)
	}
}

// TestCalloutKeysCommand prints the keys an external NATS needs from the
// secret key file (deploy.NewExample derives them with bus.CalloutKeys, as
// athlos's processes do), and makes no key where there is none.
func TestCalloutKeysCommand(t *testing.T) {
	ex, err := deploy.NewExample()
	require.NoError(t, err)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secret.key")
	require.NoError(t, os.WriteFile(keyFile, []byte(ex.SecretKey), 0o600))
	run := func(args ...string) (string, error) {
		app := newApp()
		var out bytes.Buffer
		app.Writer, app.ErrWriter = &out, &out
		err := app.Run(context.Background(), append([]string{"athlos", "admin", "callout-keys"}, args...))
		return out.String(), err
	}
	out, err := run("--secret-key-file", keyFile)
	require.NoError(t, err)
	assert.Equal(t, ex.CalloutEnv, out)
	out, err = run("--data-dir", dir)
	require.NoError(t, err)
	assert.Equal(t, ex.CalloutEnv, out, "the data dir's secret.key")

	_, err = run("--data-dir", t.TempDir())
	assert.ErrorContains(t, err, "secret.key", "no key: none is made")
	require.NoError(t, os.WriteFile(keyFile, []byte("not hex\n"), 0o600))
	_, err = run("--secret-key-file", keyFile)
	assert.ErrorContains(t, err, "must hold 64 hex digits")
}
