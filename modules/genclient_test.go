package modules_test

import (
	"bytes"
	"context"
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
	a := apptest.Start(t, "client", "training", "social", "gamification", "promo")
	doc := servedDocument(t, a)
	adminEnv := administrator(t, a)

	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "openapi.json"), doc, 0o644))
	run := func(in, name string, args ...string) []byte {
		t.Helper()
		return command(t, in, []string{"GOFLAGS=-mod=mod"}, name, args...)
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
	out := command(t, dir, adminEnv, filepath.Join(dir, "genclient"), a.BaseURL)

	assertEveryOperation(t, doc, out)
}

// administrator makes an account an administrator (as `athlos admin`
// would) for the admin operations of the generated clients, and returns
// the environment that names it to them: ATHLOS_ADMIN_EMAIL and
// ATHLOS_ADMIN_PASSWORD.
func administrator(t *testing.T, a *apptest.App) []string {
	t.Helper()
	email := "admin@example.com"
	a.SignUp(email)
	_, err := a.DB(t).Exec(context.Background(), `UPDATE client.users SET role = 'admin' WHERE email = $1`, email)
	require.NoError(t, err)
	return []string{"ATHLOS_ADMIN_EMAIL=" + email, "ATHLOS_ADMIN_PASSWORD=" + apptest.Password}
}

// servedDocument is the API document a running Athlos serves.
func servedDocument(t *testing.T, a *apptest.App) []byte {
	t.Helper()
	resp, err := http.Get(a.BaseURL + "/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return doc
}

// assertEveryOperation checks that out, one operation id a line, names
// every operation of doc.
func assertEveryOperation(t *testing.T, doc, out []byte) {
	t.Helper()
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

// command runs name in dir and returns its standard output, failing the
// test, with both outputs, if it fails. Standard error stays apart: the go
// command writes "go: downloading …" there when a tool's module is not yet
// in the cache, and that must not end up in generated code.
func command(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s:\n%s%s", name, strings.Join(args, " "), out, stderr.Bytes())
	return out
}

// The TypeScript tools, pinned.
const tsPackages = `{
  "private": true,
  "type": "module",
  "devDependencies": {
    "openapi-typescript": "7.13.0",
    "openapi-fetch": "0.17.0",
    "typescript": "5.9.3",
    "@types/node": "20.19.27"
  }
}`

const tsConfig = `{"compilerOptions": {"strict": true, "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext",
  "outDir": "out", "lib": ["es2022", "dom"]}, "files": ["main.ts"]}`

// TestGeneratedTypeScriptClientCallsEveryOperation generates TypeScript
// types from the served API document with openapi-typescript, type-checks
// a program that calls every operation with openapi-fetch
// (testdata/tsclient, strict mode) and runs it with Node against a
// running Athlos. It needs node and npm (and the npm registry); without
// them it is skipped.
func TestGeneratedTypeScriptClientCallsEveryOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("installs npm packages and builds a client")
	}
	for _, tool := range []string{"node", "npm", "npx"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the TypeScript client is not tested here", tool)
		}
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social", "gamification", "promo")
	doc := servedDocument(t, a)
	adminEnv := administrator(t, a)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "openapi.json"), doc, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(tsPackages), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tsconfig.json"), []byte(tsConfig), 0o644))
	program, err := os.ReadFile(filepath.Join("testdata", "tsclient", "main.ts"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.ts"), program, 0o644))
	command(t, dir, nil, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	command(t, dir, nil, "npx", "openapi-typescript", "openapi.json", "-o", "schema.d.ts")
	command(t, dir, nil, "npx", "tsc", "-p", ".")
	out := command(t, dir, adminEnv, "node", filepath.Join("out", "main.js"), a.BaseURL)
	assertEveryOperation(t, doc, out)
}

// TestRedoclyFindsNoErrors lints the served API document with Redocly's
// CLI and its recommended rules (pinned): no errors. It needs npx (and
// the npm registry); without it it is skipped.
func TestRedoclyFindsNoErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("installs an npm package")
	}
	if _, err := exec.LookPath("npx"); err != nil {
		t.Skip("npx is not installed: the document is not linted here")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social", "gamification", "promo")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "openapi.json"), servedDocument(t, a), 0o644))
	cmd := exec.Command("npx", "--yes", "@redocly/cli@2.77.0", "lint", "--extends", "recommended", "--format", "json", "openapi.json")
	cmd.Dir = dir
	out, err := cmd.Output()
	var report struct {
		Totals struct {
			Errors   int `json:"errors"`
			Warnings int `json:"warnings"`
		} `json:"totals"`
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
		} `json:"problems"`
	}
	require.NoError(t, json.Unmarshal(out, &report), "redocly: %v\n%s", err, out)
	for _, p := range report.Problems {
		t.Logf("%s %s: %s", p.Severity, p.RuleID, p.Message)
	}
	assert.Zero(t, report.Totals.Errors)
}
