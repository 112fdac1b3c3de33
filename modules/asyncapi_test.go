package modules_test

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/asyncapitest"
	"github.com/athlos/athlos/modules"
)

const asyncAPIFile = "../docs/asyncapi.json"

// TestAsyncAPIDocumentIsCurrent keeps docs/asyncapi.json equal to what
// the front serves, and checks that it is a valid AsyncAPI 3.0 document.
// Regenerate with: go run ./cmd/athlos asyncapi > docs/asyncapi.json (or
// ATHLOS_UPDATE_ASYNCAPI=1 go test ./modules -run AsyncAPI).
func TestAsyncAPIDocumentIsCurrent(t *testing.T) {
	doc, err := modules.AsyncAPI()
	require.NoError(t, err)
	doc = append(doc, '\n')
	if os.Getenv("ATHLOS_UPDATE_ASYNCAPI") == "1" {
		require.NoError(t, os.WriteFile(asyncAPIFile, doc, 0o644))
	}
	asyncapitest.Structure(t, doc)
	var parsed struct {
		AsyncAPI string         `json:"asyncapi"`
		Channels map[string]any `json:"channels"`
	}
	require.NoError(t, json.Unmarshal(doc, &parsed))
	assert.Equal(t, "3.0.0", parsed.AsyncAPI)
	for _, id := range []string{"liveTelemetry", "liveSession", "liveWatch", "refused"} {
		assert.Contains(t, parsed.Channels, id)
	}

	onDisk, err := os.ReadFile(asyncAPIFile)
	require.NoError(t, err, "docs/asyncapi.json is missing: run go run ./cmd/athlos asyncapi > docs/asyncapi.json")
	assert.Equal(t, string(doc), string(onDisk), "docs/asyncapi.json is stale: run go run ./cmd/athlos asyncapi > docs/asyncapi.json")
}

// A type both documents describe is described alike: both are made from
// the Go types with the same rules and names.
func TestAsyncAPIAndOpenAPISchemasAgree(t *testing.T) {
	schemas := func(doc []byte) map[string]any {
		var d struct {
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		require.NoError(t, json.Unmarshal(doc, &d))
		return d.Components.Schemas
	}
	async, err := modules.AsyncAPI()
	require.NoError(t, err)
	open, err := modules.OpenAPI()
	require.NoError(t, err)
	a, o := schemas(async), schemas(open)
	require.NotEmpty(t, a)
	for name, s := range a {
		if other, ok := o[name]; ok {
			assert.True(t, reflect.DeepEqual(s, other), "schema %s differs between the AsyncAPI and the OpenAPI document", name)
		}
	}
}

// The validator the tests check real messages with does refuse what
// does not fit.
func TestAsyncAPISchemasRefuseWhatDoesNotFit(t *testing.T) {
	doc, err := modules.AsyncAPI()
	require.NoError(t, err)
	d := asyncapitest.Load(t, doc)
	assert.ElementsMatch(t, []string{"telemetry", "pubAck", "pubAckRefusal", "liveFigures", "refused", "chatPost", "chatMessage", "chatEvent",
		"notification"}, d.Messages())
	d.Payload(t, "telemetry", []byte(`{"points":[{"t":"2026-11-26T08:00:00Z","lat":52.5,"lon":13.4,"hr":140}]}`))
	// A point without a position fits (indoor sessions: the server keeps
	// it), with the device's distance; so do fields a later app sends.
	d.Payload(t, "telemetry", []byte(`{"points":[{"t":"2026-11-26T08:00:00Z","hr":140,"dist":1234.5,"lap":true,"next":1}]}`))
	for _, bad := range []string{
		`{"points":[{"lat":52.5,"lon":13.4}]}`,                              // no t
		`{"points":[{"t":"yesterday","lat":52.5,"lon":13.4}]}`,              // not a time
		`{"points":[{"t":"2026-11-26T08:00:00Z","lat":52.5,"lon":"13.4"}]}`, // not a number
		`{"points":[{"t":"2026-11-26T08:00:00Z","hr":140.5}]}`,              // not an integer
		`{"points":[{"t":"2026-11-26T08:00:00Z","dist":"far"}]}`,            // not a number
		`{"pts":[]}`,
	} {
		assert.True(t, d.Invalid(t, "telemetry", []byte(bad)), bad)
	}
	assert.True(t, d.Invalid(t, "liveFigures", []byte(`{"session_id":"x"}`)))
	assert.True(t, d.Invalid(t, "refused", []byte(`{"subject":"s","code":"nope","reason":"r","accepted":0}`)))
	// The chat (issue 13).
	d.Payload(t, "chatPost", []byte(`{"text":"Sunday 8:00?","txn_id":"m-1","reply_to":3}`))
	for _, bad := range []string{`{}`, `{"text":""}`, `{"text":"x","reply_to":0}`, `{"text":5}`} {
		assert.True(t, d.Invalid(t, "chatPost", []byte(bad)), bad)
	}
	assert.True(t, d.Invalid(t, "chatEvent", []byte(`{"kind":"message.exploded","group_id":"x","message":{}}`)))
	// Notifications (issue 13).
	assert.True(t, d.Invalid(t, "notification", []byte(`{"id":"x","kind":"gossip"}`)))
}
