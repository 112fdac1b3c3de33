package modules_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callerReaders are the bus functions and types that only an adapter may
// use: a use case gets the caller as an argument and never sees a message
// (docs/architecture.md, A module, file by file: internal/service).
var callerReaders = map[string]bool{"Msg": true, "RequireUserID": true, "RequireCaller": true, "CallerFrom": true}

// subjectLiteral matches a string literal that is a NATS subject or a
// subject prefix of the platform's namespaces (prose, with spaces, is not).
var subjectLiteral = regexp.MustCompile(`^(evt|rpc|live|chat|notify)\.[^\s]*$`)

// skeletonViolations lists what, under root (the modules folder), breaks the
// skeleton's rules:
//   - internal/service imports no NATS package and uses no bus.Msg,
//     bus.RequireUserID, bus.RequireCaller or bus.CallerFrom;
//   - internal/store imports no module's api package (wire types are not
//     storage types);
//   - a subject is declared by its owner: outside modules/<m>/api no
//     non-test file has a literal evt.…, rpc.…, live.…, chat.… or notify.…
//     subject (the bus package, which defines the streams, is not under
//     modules and not checked here).
func skeletonViolations(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) < 2 || strings.Contains(rel, "testdata") {
			return nil // the registry (package modules) and test programs
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		name := filepath.ToSlash(rel)
		layer := strings.Join(parts[1:len(parts)-1], "/")
		busName := ""
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case layer == "internal/service" && strings.HasPrefix(p, "github.com/nats-io/"):
				out = append(out, name+" (a use case) imports "+p)
			case layer == "internal/store" && strings.HasPrefix(p, modPrefix) && strings.HasSuffix(p, "/api"):
				out = append(out, name+" (a store) imports "+p)
			case p == "github.com/athlos/athlos/bus":
				busName = "bus"
				if imp.Name != nil {
					busName = imp.Name.Name
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && layer == "internal/service" && busName != "" &&
					x.Name == busName && callerReaders[n.Sel.Name] {
					out = append(out, name+" (a use case) uses bus."+n.Sel.Name)
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING || layer == "api" {
					return true
				}
				if s, err := strconv.Unquote(n.Value); err == nil && subjectLiteral.MatchString(s) {
					out = append(out, name+" declares subject "+strconv.Quote(s)+" outside its owner's api")
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	require.NotZero(t, checked, "no Go files under %s", root)
	return out
}

func TestModulesFollowTheSkeleton(t *testing.T) {
	assert.Empty(t, skeletonViolations(t, "."), "docs/architecture.md, A module, file by file")
}

func TestSkeletonRulesCatchViolations(t *testing.T) {
	root := t.TempDir()
	write := func(path, src string) {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, path), []byte(src), 0o644))
	}
	write("social/internal/service/bad.go", `package service
import (
	"context"
	b "github.com/athlos/athlos/bus"
	"github.com/nats-io/nats.go"
)
var _ *nats.Msg
func Get(ctx context.Context, m *b.Msg) { _, _ = b.RequireUserID(ctx) }`)
	write("social/internal/service/good.go", `package service
import "github.com/athlos/athlos/bus"
var _ = bus.Invalid
const doc = "chat.<group> is where members talk"`)
	write("social/internal/store/bad.go", `package store
import _ "github.com/athlos/athlos/modules/training/api"`)
	write("social/internal/consume/bad.go", `package consume
const s = "evt.training.session.completed"`)
	write("social/api/good.go", `package api
const EventPosted = "evt.social.message.posted"
const PrefixChat = "chat."`)
	write("social/httpapi/bad.go", `package httpapi
var subjects = []string{"chat.>", "live.watch.*"}`)
	write("social/testdata/tool/main.go", `package main
const s = "rpc.social.x"`)
	assert.ElementsMatch(t, []string{
		"social/internal/service/bad.go (a use case) imports github.com/nats-io/nats.go",
		"social/internal/service/bad.go (a use case) uses bus.Msg",
		"social/internal/service/bad.go (a use case) uses bus.RequireUserID",
		"social/internal/store/bad.go (a store) imports github.com/athlos/athlos/modules/training/api",
		`social/internal/consume/bad.go declares subject "evt.training.session.completed" outside its owner's api`,
		`social/httpapi/bad.go declares subject "chat.>" outside its owner's api`,
		`social/httpapi/bad.go declares subject "live.watch.*" outside its owner's api`,
	}, skeletonViolations(t, root))
}
