// Package patch is the one PATCH idiom of every module: JSON merge patch
// semantics (RFC 7396). In a PATCH body a field that is absent stays as
// it is, a field set to null is cleared (optional fields only), and any
// other value sets it. Field[T] keeps the three apart when decoded; the
// API document describes such fields as nullable. It depends on the
// standard library only.
package patch

import (
	"bytes"
	"encoding/json"
)

// Field is one field of a patch: absent (Set false), null (Set and
// Null), or a value.
type Field[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// Val returns a field set to v.
func Val[T any](v T) Field[T] { return Field[T]{Set: true, Value: v} }

// Null returns a field set to null.
func Null[T any]() Field[T] { return Field[T]{Set: true, Null: true} }

// IsZero reports an absent field (for the omitzero JSON option).
func (f Field[T]) IsZero() bool { return !f.Set }

// UnmarshalJSON records that the field was present, and whether it was
// null.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		f.Null = true
		var zero T
		f.Value = zero
		return nil
	}
	f.Null = false
	return json.Unmarshal(b, &f.Value)
}

// MarshalJSON writes null or the value (an absent field is left out with
// omitzero).
func (f Field[T]) MarshalJSON() ([]byte, error) {
	if f.Null || !f.Set {
		return []byte("null"), nil
	}
	return json.Marshal(f.Value)
}

// Apply applies f to an optional value: *dst is kept when f is absent,
// cleared (nil) when f is null, and set to the value otherwise.
func Apply[T any](f Field[T], dst **T) {
	switch {
	case !f.Set:
	case f.Null:
		*dst = nil
	default:
		v := f.Value
		*dst = &v
	}
}

// Pointer is f as an optional value: nil when absent or null. Use it for
// fields that can't be cleared (absent and null both keep them).
func (f Field[T]) Pointer() *T {
	if !f.Set || f.Null {
		return nil
	}
	v := f.Value
	return &v
}
