// Package page is the API's cursor pagination: lists take ?limit= and
// ?cursor= and answer {"items": [...], "next_cursor": ...}, newest first.
// A cursor is opaque to the app: it names the id of the last item of the
// page before. It depends on the standard library only.
package page

import (
	"encoding/base64"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Page sizes: Default when the app asks for none, at most Max.
const (
	Default = 20
	Max     = 100
)

// Size checks a requested page size; 0 means Default. The error names
// the field "limit".
func Size(limit int) (int, error) {
	switch {
	case limit == 0:
		return Default, nil
	case limit < 1 || limit > Max:
		return 0, fielderr.New("limit", "must be between 1 and %d", Max)
	}
	return limit, nil
}

// Cursor is the cursor that continues a list after the item id.
func Cursor(id [16]byte) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// After reads a cursor made by Cursor: the id of the item the next page
// starts after. The error names the field "cursor".
func After(cursor string) ([16]byte, error) {
	var id [16]byte
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) != len(id) {
		return id, fielderr.New("cursor", "is not a cursor this API returned")
	}
	copy(id[:], b)
	return id, nil
}

// Cut makes a page of items read with a limit of size+1: the first size
// items, and the cursor of the next page when there was one more (nil on
// the last page).
func Cut[T any](items []T, size int, id func(T) [16]byte) ([]T, *string) {
	if len(items) <= size {
		return items, nil
	}
	items = items[:size]
	next := Cursor(id(items[size-1]))
	return items, &next
}
