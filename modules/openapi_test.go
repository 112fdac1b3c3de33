package modules_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules"
)

const openAPIFile = "../docs/openapi.json"

// TestOpenAPIDocumentIsCurrent keeps docs/openapi.json equal to what the
// front serves. Regenerate with: go run ./cmd/athlos openapi > docs/openapi.json
// (or ATHLOS_UPDATE_OPENAPI=1 go test ./modules -run OpenAPI).
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	doc, err := modules.OpenAPI()
	require.NoError(t, err)
	doc = append(doc, '\n')
	if os.Getenv("ATHLOS_UPDATE_OPENAPI") == "1" {
		require.NoError(t, os.WriteFile(openAPIFile, doc, 0o644))
	}
	var parsed struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(doc, &parsed))
	assert.Equal(t, "3.1.0", parsed.OpenAPI)
	assert.Contains(t, parsed.Paths, "/v1/status/{module}")

	onDisk, err := os.ReadFile(openAPIFile)
	require.NoError(t, err, "docs/openapi.json is missing: run go run ./cmd/athlos openapi > docs/openapi.json")
	assert.Equal(t, string(doc), string(onDisk), "docs/openapi.json is stale: run go run ./cmd/athlos openapi > docs/openapi.json")
}
