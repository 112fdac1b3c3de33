package rpc

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/modules/client/api"
)

// A PATCH body decodes as a JSON merge patch (absent, null, value) and
// maps to the domain's patch as it came.
func TestPatchJSON(t *testing.T) {
	var p api.GearPatch
	require.NoError(t, json.Unmarshal([]byte(`{"brand": null, "model": "X", "default_for": [], "retired": false}`), &p))
	assert.Equal(t, patch.Null[string](), p.Brand)
	assert.Equal(t, patch.Val("X"), p.Model)
	assert.False(t, p.Nickname.Set, "absent")
	assert.True(t, p.DefaultFor.Set)
	assert.False(t, p.DefaultFor.Null)
	assert.Equal(t, patch.Val(false), p.Retired)
	mapped := gearPatch(p)
	assert.Equal(t, patch.Null[string](), mapped.Brand)
	assert.False(t, mapped.Components.Set, "absent stays absent")
	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"brand": null, "model": "X", "default_for": [], "retired": false}`, string(out), "absent fields stay absent")
	assert.Error(t, json.Unmarshal([]byte(`{"brand": 5}`), &p))
}
