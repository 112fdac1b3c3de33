package modules_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const modPrefix = "github.com/athlos/athlos/modules/"

// boundaryViolations lists the imports under root (the modules folder) that
// break the layout rules (docs/architecture.md, Packages): a package under modules/X imports another module Y only
// through modules/Y/api; only the gateway may also import modules/Y/httpapi.
// Package modules itself (the registry) is part of the composition root and
// is not restricted, nor is cmd/.
func boundaryViolations(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil || rel == "." {
			return err
		}
		own := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, modPrefix) {
				continue
			}
			parts := strings.Split(strings.TrimPrefix(p, modPrefix), "/")
			if parts[0] == own {
				continue
			}
			api := len(parts) == 2 && parts[1] == "api"
			httpapi := len(parts) >= 2 && parts[1] == "httpapi"
			if !api && !(own == "gateway" && httpapi) {
				out = append(out, filepath.ToSlash(path)+" imports "+p)
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NotZero(t, checked, "no Go files under %s", root)
	return out
}

func TestModuleBoundaries(t *testing.T) {
	assert.Empty(t, boundaryViolations(t, "."), "modules may only import each other's api package (the gateway also httpapi)")
}

func TestBoundaryRuleCatchesViolations(t *testing.T) {
	root := t.TempDir()
	write := func(path, src string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, path), []byte(src), 0o644))
	}
	write("social/internal/x.go", `package internal
import (
	_ "github.com/athlos/athlos/modules/training/api"
	_ "github.com/athlos/athlos/modules/training/internal/store"
	_ "github.com/athlos/athlos/modules/client/httpapi"
	_ "github.com/athlos/athlos/modules/social/internal/other"
)`)
	write("gateway/x.go", `package gateway
import _ "github.com/athlos/athlos/modules/client/httpapi"`)
	write("registry.go", `package modules
import _ "github.com/athlos/athlos/modules/client/internal"`)
	assert.ElementsMatch(t, []string{
		"social/internal/x.go imports github.com/athlos/athlos/modules/training/internal/store",
		"social/internal/x.go imports github.com/athlos/athlos/modules/client/httpapi",
	}, trimRoot(boundaryViolations(t, root), root))
}

func trimRoot(in []string, root string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.TrimPrefix(s, filepath.ToSlash(root)+"/")
	}
	return out
}
