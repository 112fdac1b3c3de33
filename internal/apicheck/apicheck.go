// Package apicheck checks HTTP answers against the OpenAPI 3.1 document
// that describes them: the operation exists, the status is documented,
// the media type is one the status declares, and a JSON body validates
// against the declared schema (JSON Schema 2020-12, formats asserted).
// The API tests run every answer they see through it (internal/apptest),
// so the served document is tested against the real server all the time,
// not only its examples.
package apicheck

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL names the document inside the schema compiler.
const docURL = "https://athlos.invalid/openapi.json"

// Checker checks answers against one document.
type Checker struct {
	paths    []pathTemplate
	compiler *jsonschema.Compiler

	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema // by JSON pointer
}

type pathTemplate struct {
	template string
	re       *regexp.Regexp
	literals int // fixed segments: more is a better match
	ops      map[string]operation
}

type operation struct {
	Responses map[string]response `json:"responses"`
}

type response struct {
	Content map[string]json.RawMessage `json:"content"`
}

// New compiles doc, an OpenAPI 3.1 document in JSON.
func New(doc []byte) (*Checker, error) {
	var d struct {
		OpenAPI string                          `json:"openapi"`
		Paths   map[string]map[string]operation `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("apicheck: the document: %w", err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.1") {
		return nil, fmt.Errorf("apicheck: OpenAPI %q: want 3.1", d.OpenAPI)
	}
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("apicheck: the document: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, parsed); err != nil {
		return nil, fmt.Errorf("apicheck: the document: %w", err)
	}
	ch := &Checker{compiler: c, schemas: map[string]*jsonschema.Schema{}}
	for tmpl, ops := range d.Paths {
		var re strings.Builder
		re.WriteString("^")
		literals := 0
		for _, seg := range strings.Split(strings.TrimPrefix(tmpl, "/"), "/") {
			re.WriteString("/")
			// A segment is parameters ({id}) and literal text, e.g.
			// "{id}.ics"; one with literal text is more specific than
			// one without.
			if param.ReplaceAllString(seg, "") != "" {
				literals++
			}
			last := 0
			for _, m := range param.FindAllStringIndex(seg, -1) {
				re.WriteString(regexp.QuoteMeta(seg[last:m[0]]))
				re.WriteString("[^/]+?")
				last = m[1]
			}
			re.WriteString(regexp.QuoteMeta(seg[last:]))
		}
		re.WriteString("$")
		lower := map[string]operation{}
		for m, op := range ops {
			lower[strings.ToLower(m)] = op
		}
		ch.paths = append(ch.paths, pathTemplate{template: tmpl, re: regexp.MustCompile(re.String()), literals: literals, ops: lower})
	}
	sort.Slice(ch.paths, func(i, j int) bool {
		if ch.paths[i].literals != ch.paths[j].literals {
			return ch.paths[i].literals > ch.paths[j].literals
		}
		return ch.paths[i].template < ch.paths[j].template
	})
	return ch, nil
}

// param is a path parameter in a path template.
var param = regexp.MustCompile(`\{[^/{}]+\}`)

// errNoOperation: the document has no operation for a request. Check
// passes such answers (a router's 404 or 405 is not the document's
// business).
var errNoOperation = errors.New("no operation")

// Check checks one answer to method on the escaped URL path.
func (c *Checker) Check(method, path string, status int, header http.Header, body []byte) error {
	tmpl, op, err := c.operation(method, path)
	if errors.Is(err, errNoOperation) {
		return nil
	}
	what := fmt.Sprintf("%s %s (%s) answered %d", method, path, tmpl, status)
	code := strconv.Itoa(status)
	resp, ok := op.Responses[code]
	if !ok {
		resp, ok = op.Responses[code[:1]+"XX"]
	}
	if !ok {
		resp, ok = op.Responses["default"]
		code = "default"
	}
	if !ok {
		return fmt.Errorf("%s: the status is not documented", what)
	}
	if status == http.StatusNoContent || status == http.StatusNotModified || method == http.MethodHead {
		return nil
	}
	// A compressed answer is checked as what it decodes to.
	switch enc := header.Get("Content-Encoding"); {
	case enc == "" || strings.EqualFold(enc, "identity"):
	case strings.EqualFold(enc, "gzip"):
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			return fmt.Errorf("%s: the gzip body does not decode: %w", what, err)
		}
	default:
		return fmt.Errorf("%s with Content-Encoding %q, which the front never sends", what, enc)
	}
	ct := header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if len(body) == 0 && len(resp.Content) == 0 {
		return nil
	}
	if _, ok := resp.Content[mt]; !ok {
		var declared []string
		for k := range resp.Content {
			declared = append(declared, k)
		}
		sort.Strings(declared)
		return fmt.Errorf("%s with Content-Type %q; the document declares %v", what, ct, declared)
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	sch, err := c.schema("/paths/" + escape(tmpl) + "/" + strings.ToLower(method) + "/responses/" + code + "/content/" + escape(mt) + "/schema")
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: the body is not JSON: %w", what, err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%s: the body does not match the document: %w\nbody: %.500s", what, err, body)
	}
	return nil
}

func (c *Checker) operation(method, path string) (string, operation, error) {
	for _, p := range c.paths {
		if !p.re.MatchString(path) {
			continue
		}
		op, ok := p.ops[strings.ToLower(method)]
		if !ok {
			return p.template, operation{}, errNoOperation
		}
		return p.template, op, nil
	}
	return "", operation{}, errNoOperation
}

func (c *Checker) schema(pointer string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[pointer]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(docURL + "#" + pointer)
	if err != nil {
		return nil, fmt.Errorf("the schema at %s: %w", pointer, err)
	}
	c.schemas[pointer] = s
	return s, nil
}

// escape makes s one token of a JSON pointer inside a URI fragment.
func escape(s string) string {
	s = strings.ReplaceAll(s, "~", "~0")
	s = strings.ReplaceAll(s, "/", "~1")
	s = strings.ReplaceAll(s, "{", "%7B")
	return strings.ReplaceAll(s, "}", "%7D")
}

// Transport checks every answer that passes through it and reports what
// does not match the document to report (called from the goroutine of
// the request). The body is read and given back unchanged.
func Transport(next http.RoundTripper, c *Checker, report func(error)) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			return resp, nil // the caller sees the short body and its own error
		}
		if cerr := c.Check(req.Method, req.URL.EscapedPath(), resp.StatusCode, resp.Header, body); cerr != nil {
			report(cerr)
		}
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
