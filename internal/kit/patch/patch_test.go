package patch_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/patch"
)

type body struct {
	Name   patch.Field[string]   `json:"name,omitzero"`
	Weight patch.Field[float64]  `json:"weight,omitzero"`
	Tags   patch.Field[[]string] `json:"tags,omitzero"`
}

func TestAbsentNullAndValueAreApart(t *testing.T) {
	var b body
	require.NoError(t, json.Unmarshal([]byte(`{"name": "Ana", "weight": null}`), &b))
	assert.Equal(t, patch.Val("Ana"), b.Name)
	assert.Equal(t, patch.Null[float64](), b.Weight)
	assert.False(t, b.Tags.Set)

	w := 61.5
	dst := &w
	patch.Apply(b.Weight, &dst)
	assert.Nil(t, dst, "null clears")
	name := "Bob"
	pn := &name
	patch.Apply(patch.Field[string]{}, &pn)
	assert.Equal(t, "Bob", *pn, "absent keeps")
	patch.Apply(b.Name, &pn)
	assert.Equal(t, "Ana", *pn, "a value sets")
	assert.Nil(t, b.Weight.Pointer())
	assert.Equal(t, "Ana", *b.Name.Pointer())

	out, err := json.Marshal(b)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name": "Ana", "weight": null}`, string(out), "absent fields stay absent")

	assert.Error(t, json.Unmarshal([]byte(`{"weight": "heavy"}`), &b), "a value of the wrong type")
}
