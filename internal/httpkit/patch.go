package httpkit

import (
	"encoding/json"
	"reflect"
	"slices"

	"github.com/danielgtaylor/huma/v2"
)

// PatchBody is a PATCH body kept as it came (Raw), because in a JSON merge
// patch a field left out and a field set to null mean different things:
// the module decodes it. The front documents and validates it against
// T's schema (named after T, e.g. gearPatch → GearPatch) first.
type PatchBody[T any] struct {
	Raw json.RawMessage
}

// UnmarshalJSON keeps the bytes.
func (b *PatchBody[T]) UnmarshalJSON(data []byte) error {
	b.Raw = slices.Clone(data)
	return nil
}

// Schema documents and validates the body as a T.
func (PatchBody[T]) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[T](), true, "")
}
