package news

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// RenderVersion names the Markdown renderer and sanitising policy below.
// A body is rendered once, when it is saved, and stored with the version
// that rendered it; an item stored with another version is rendered
// again when served (Item.HTML), so a change of the policy takes effect
// at once without a migration.
const RenderVersion = 1

// linkRel is the rel of every link in a body.
const linkRel = "nofollow noopener"

// Renderer turns a Markdown body into sanitised HTML: goldmark (CommonMark
// with GitHub's tables, strikethrough, autolinks and task lists; raw HTML
// is dropped, dangerous URLs emptied) and then bluemonday's UGC policy
// (no script, style, iframe, form, event handler, javascript: or data:
// URL), every link with rel="nofollow noopener". It is safe for
// concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer builds the renderer.
func NewRenderer() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(relTransformer{}, 100))),
	)
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^(nofollow|noopener|noreferrer)( (nofollow|noopener|noreferrer))*$`)).OnElements("a")
	p.RequireNoFollowOnLinks(true)
	return &Renderer{md: md, policy: p}
}

// Render renders body.
func (r *Renderer) Render(body string) (string, error) {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(body), &buf); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return r.policy.Sanitize(buf.String()), nil
}

// relTransformer sets rel="nofollow noopener" on every link of the
// document (the policy keeps it; links without it get nofollow only,
// which can't happen with goldmark dropping raw HTML).
type relTransformer struct{}

func (relTransformer) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.(type) {
		case *ast.Link, *ast.AutoLink:
			n.SetAttributeString("rel", []byte(linkRel))
		}
		return ast.WalkContinue, nil
	})
}
