package modules_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
)

// TestGeneratedGoClientCallsEveryOperation generates the Go client of the
// served API document with oapi-codegen (pinned in tools/go.mod), once with
// its default configuration and once with nullable-type, into a module of
// its own, builds it with a program that calls every operation
// (testdata/genclient) and runs it against a running Athlos: the client
// needs no hand edit, and every typed answer decodes.
func TestGeneratedGoClientCallsEveryOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("generates, downloads and builds a client module")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	resp, err := http.Get(a.BaseURL + "/openapi.json")
	require.NoError(t, err)
	doc, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)

	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "openapi.json"), doc, 0o644))
	run := func(in, name string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = in
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
		return out
	}
	for pkg, extra := range map[string]string{"athlosclient": "", "athlosnullable": "output-options:\n  nullable-type: true\n"} {
		cfg := filepath.Join(dir, pkg+".yaml")
		require.NoError(t, os.WriteFile(cfg, []byte("package: "+pkg+"\ngenerate:\n  models: true\n  client: true\n"+extra), 0o644))
		require.NoError(t, os.MkdirAll(filepath.Join(dir, pkg), 0o755))
		code := run(repo, "go", "tool", "-modfile=tools/go.mod", "oapi-codegen", "-config", cfg, filepath.Join(dir, "openapi.json"))
		require.NoError(t, os.WriteFile(filepath.Join(dir, pkg, "client.gen.go"), code, 0o644))
	}
	program, err := os.ReadFile(filepath.Join("testdata", "genclient", "main.go"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), program, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/genclient\n\ngo 1.26\n"), 0o644))
	run(dir, "go", "mod", "tidy")
	run(dir, "go", "vet", "./...")
	run(dir, "go", "build", "-o", "genclient", ".")
	out := run(dir, filepath.Join(dir, "genclient"), a.BaseURL)

	var d struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	var ops []string
	for _, item := range d.Paths {
		for _, op := range item {
			ops = append(ops, op.OperationID)
		}
	}
	called := strings.Fields(string(out))
	slices.Sort(ops)
	slices.Sort(called)
	assert.Equal(t, ops, slices.Compact(called), "every operation of the document is called through the generated client")
}
