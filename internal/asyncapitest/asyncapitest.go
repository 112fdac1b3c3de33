// Package asyncapitest checks real-time messages against the schemas of
// the AsyncAPI document (/asyncapi.json) with a JSON Schema 2020-12
// validator, and the document itself against the AsyncAPI 3.0 schema.
package asyncapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// docURL is where the document is put for the validator; its references
// (#/components/schemas/...) resolve within it.
const docURL = "https://athlos.invalid/asyncapi.json"

// Doc is an AsyncAPI document whose message schemas are compiled.
type Doc struct {
	compiler *jsonschema.Compiler
	doc      map[string]any
}

// Load reads an AsyncAPI document.
func Load(t testing.TB, doc []byte) *Doc {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	require.NoError(t, c.AddResource(docURL, v))
	var parsed map[string]any
	require.NoError(t, json.Unmarshal(doc, &parsed))
	return &Doc{compiler: c, doc: parsed}
}

// Messages are the ids of the document's messages.
func (d *Doc) Messages() []string {
	var out []string
	comps, _ := d.doc["components"].(map[string]any)
	msgs, _ := comps["messages"].(map[string]any)
	for id := range msgs {
		out = append(out, id)
	}
	return out
}

// Payload checks that data, the JSON of a message, is a valid payload of
// the message id (components.messages.<id>).
func (d *Doc) Payload(t testing.TB, id string, data []byte) {
	t.Helper()
	require.NoError(t, d.validate("/components/messages/"+id+"/payload", data), "%s: %s", id, data)
}

// Headers checks a message's NATS headers against the headers schema of
// the message id (each header as its first value).
func (d *Doc) Headers(t testing.TB, id string, h nats.Header) {
	t.Helper()
	obj := map[string]string{}
	for k, vs := range h {
		if len(vs) > 0 {
			obj[k] = vs[0]
		}
	}
	data, err := json.Marshal(obj)
	require.NoError(t, err)
	require.NoError(t, d.validate("/components/messages/"+id+"/headers", data), "%s headers: %s", id, data)
}

// Invalid reports whether data is not a valid payload of message id.
func (d *Doc) Invalid(t testing.TB, id string, data []byte) bool {
	t.Helper()
	return d.validate("/components/messages/"+id+"/payload", data) != nil
}

func (d *Doc) validate(pointer string, data []byte) error {
	s, err := d.compiler.Compile(docURL + "#" + pointer)
	if err != nil {
		return fmt.Errorf("compile %s: %w", pointer, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// Structure checks doc against the AsyncAPI 3.0.0 JSON schema (from the
// npm package @asyncapi/specs 6.11.1, schemas/3.0.0-without-$id.json,
// Apache-2.0; kept in testdata/).
func Structure(t testing.TB, doc []byte) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "testdata", "asyncapi-3.0.0.schema.json")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("https://asyncapi.invalid/3.0.0.json", schemaDoc))
	s, err := c.Compile("https://asyncapi.invalid/3.0.0.json")
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	require.NoError(t, err)
	require.NoError(t, s.Validate(v), "not a valid AsyncAPI 3.0.0 document")
}
