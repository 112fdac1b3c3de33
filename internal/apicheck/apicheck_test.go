package apicheck_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apicheck"
)

const doc = `{
  "openapi": "3.1.0",
  "paths": {
    "/v1/things/{id}": {
      "get": {"responses": {
        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "404": {"content": {"application/problem+json": {"schema": {"type": "object", "required": ["status"]}}}}
      }}
    },
    "/v1/things/import": {
      "post": {"responses": {"201": {"content": {"application/gpx+xml": {"schema": {"type": "string"}}}}}}
    }
  },
  "components": {"schemas": {"Thing": {"type": "object", "required": ["id", "kind"],
    "properties": {"id": {"type": "string", "format": "uuid"}, "kind": {"enum": ["a", "b", null], "type": ["string", "null"]}}}}}
}`

func TestCheck(t *testing.T) {
	c, err := apicheck.New([]byte(doc))
	require.NoError(t, err)
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	id := "/v1/things/0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10"

	assert.NoError(t, c.Check("GET", id, 200, jsonCT, []byte(`{"id": "0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10", "kind": null}`)))
	assert.NoError(t, c.Check("GET", id, 404, http.Header{"Content-Type": {"application/problem+json"}}, []byte(`{"status": 404}`)))
	// A gzipped answer is checked as what it decodes to.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"id": "0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10", "kind": "a"}`))
	require.NoError(t, zw.Close())
	gzipped := http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}
	assert.NoError(t, c.Check("GET", id, 200, gzipped, gz.Bytes()))
	assert.Error(t, c.Check("GET", id, 200, gzipped, []byte(`{"id": "0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10", "kind": "a"}`)), "not gzip")
	assert.Error(t, c.Check("GET", id, 200, http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"br"}}, gz.Bytes()))
	// The literal path is matched before the template.
	assert.NoError(t, c.Check("POST", "/v1/things/import", 201, http.Header{"Content-Type": {"application/gpx+xml"}}, []byte(`<gpx/>`)))
	// What the document does not describe is not its business.
	assert.NoError(t, c.Check("GET", "/nowhere", 404, jsonCT, []byte(`x`)))
	assert.NoError(t, c.Check("DELETE", id, 405, jsonCT, nil))

	for name, err := range map[string]error{
		"a status not documented": c.Check("GET", id, 500, jsonCT, []byte(`{}`)),
		"another media type":      c.Check("GET", id, 200, http.Header{"Content-Type": {"text/plain"}}, []byte(`{}`)),
		"a missing field":         c.Check("GET", id, 200, jsonCT, []byte(`{"id": "0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10"}`)),
		"a value not in the enum": c.Check("GET", id, 200, jsonCT, []byte(`{"id": "0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10", "kind": "c"}`)),
		"a bad format":            c.Check("GET", id, 200, jsonCT, []byte(`{"id": "nope", "kind": "a"}`)),
		"not JSON":                c.Check("GET", id, 200, jsonCT, []byte(`{`)),
	} {
		assert.Error(t, err, name)
	}
}

func TestNewRefusesOtherDocuments(t *testing.T) {
	_, err := apicheck.New([]byte(`{"openapi": "3.0.3", "paths": {}}`))
	assert.Error(t, err)
	_, err = apicheck.New([]byte(`not json`))
	assert.Error(t, err)
}
